// BC-ResNet's SubSpectralNorm (keyword spotting): Reshape [N, C, F, T] → [N, C·S, F/S, T], BatchNormalization over
// the C·S channels, Reshape back. Each channel c's S sub-bands of F/S frequencies get their own scale and shift, so
// it is one Mul and one Add by [C, F, 1] constants on the tensor as it was: no Reshape of the channel-last value
// (which took two TRANSPOSE per block: 28 in BC-ResNet-1).
import type { Graph, Node, Tensor } from '../ir/types';
import { toNumbers } from '../ir/tensor';
import { node } from '../onnx/builder';
import { readersOf, spliceNodes } from './simplify-util';

export function fuseSubSpectralNorm(g: Graph, constants: Map<string, Tensor>): void {
  const dims = (v: string) => g.values.get(v)?.shape as number[] | undefined;
  const { only, producer } = readersOf(g, constants);
  const replace = new Map<Node, Node[]>();
  const skip = new Set<Node>();
  for (const bn of g.nodes) {
    if (bn.opType !== 'BatchNormalization' || bn.outputs.filter(Boolean).length !== 1) continue;
    const r1 = producer.get(bn.inputs[0]);
    const r2 = only(bn.outputs[0]);
    if (r1?.opType !== 'Reshape' || r2?.opType !== 'Reshape' || only(r1.outputs[0]) !== bn) continue;
    const x = dims(r1.inputs[0]);
    const mid = dims(r1.outputs[0]);
    const y = dims(r2.outputs[0]);
    if (!x || !mid || !y || x.length !== 4 || y.join() !== x.join() || x.some((d) => !(d > 0))) continue;
    const [n, c, f, t] = x;
    const s = mid[1] / c;
    if (!Number.isInteger(s) || s < 2 || mid.join() !== [n, c * s, f / s, t].join()) continue;
    const params = bn.inputs.slice(1, 5).map((p) => constants.get(p));
    if (params.some((p) => !p || p.dims.length !== 1 || p.dims[0] !== c * s)) continue;
    const [gamma, beta, mean, varc] = params.map((p) => toNumbers(p!));
    const eps = bn.attrs.get('epsilon')?.type === 'float' ? (bn.attrs.get('epsilon')!.value as number) : 1e-5;
    const scale = new Float32Array(c * f);
    const shift = new Float32Array(c * f);
    for (let ch = 0; ch < c; ch++) {
      for (let fr = 0; fr < f; fr++) {
        const k = ch * s + Math.floor(fr / (f / s));
        const a = gamma[k] / Math.sqrt(varc[k] + eps);
        scale[ch * f + fr] = a;
        shift[ch * f + fr] = beta[k] - mean[k] * a;
      }
    }
    const out = r2.outputs[0];
    const name = (what: string) => `${bn.name}/sub_spectral_${what}`;
    for (const [what, data] of [['scale', scale], ['shift', shift]] as const) {
      constants.set(name(what), { name: name(what), dtype: 'float32', dims: [c, f, 1], data });
      g.values.set(name(what), { name: name(what), dtype: 'float32', shape: [c, f, 1] });
    }
    g.values.set(name('scaled'), { name: name('scaled'), dtype: 'float32', shape: [...x] });
    replace.set(bn, [node('Mul', [r1.inputs[0], name('scale')], [name('scaled')], {}, `${bn.name}/scale`),
      node('Add', [name('scaled'), name('shift')], [out], {}, `${bn.name}/shift`)]);
    skip.add(r1);
    skip.add(r2);
  }
  if (replace.size) spliceNodes(g, new Map(), replace, skip);
}

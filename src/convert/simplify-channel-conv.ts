// A filter applied to every channel alone by folding the channels into the batch (StyleGAN2's upfirdn2d_native, in
// rosinality's stylegan2-pytorch and the GFPGAN / CodeFormer exports built on it: `x.reshape(-1, 1, H, W)`, a Conv with
// one input and one output channel, `.view(N, C, H', W')`) is a depthwise Conv with that filter for each channel.
// Folded into the batch, the channels had to leave channel-last: a TRANSPOSE before and after each blur.
import type { Graph, Node, Tensor } from '../ir/types';
import { makeTensor, toNumbers } from '../ir/tensor';
import { node } from '../onnx/builder';
import { readersOf, spliceNodes } from './simplify-util';

export function channelsFromBatchConv(g: Graph, constants: Map<string, Tensor>): void {
  const dims = (v: string) => g.values.get(v)?.shape as number[] | undefined;
  const { only, producer } = readersOf(g, constants);
  const replace = new Map<Node, Node[]>();
  const skip = new Set<Node>();
  for (const conv of g.nodes) {
    if (conv.opType !== 'Conv' || skip.has(conv)) continue;
    const group = conv.attrs.get('group');
    const w = constants.get(conv.inputs[1]);
    const bias = conv.inputs[2] ? constants.get(conv.inputs[2]) : undefined;
    const r1 = producer.get(conv.inputs[0]);
    const r2 = only(conv.outputs[0]);
    if ((group?.type === 'int' && group.value !== 1) || !w || w.dtype !== 'float32' || w.dims.length !== 4 || w.dims[0] !== 1 || w.dims[1] !== 1
      || (conv.inputs[2] && !bias) || r1?.opType !== 'Reshape' || r2?.opType !== 'Reshape' || only(r1.outputs[0]) !== conv) continue;
    const x = dims(r1.inputs[0]);
    const folded = dims(r1.outputs[0]);
    const y = dims(conv.outputs[0]);
    const out = dims(r2.outputs[0]);
    if (!x || !folded || !y || !out || x.length !== 4 || [...x, ...y, ...out].some((d) => !(d > 0))) continue;
    const [n, c] = x;
    if (folded.join() !== [n * c, 1, x[2], x[3]].join() || y[0] !== n * c || y[1] !== 1 || out.join() !== [n, c, y[2], y[3]].join()) continue;
    const wv = toNumbers(w);
    const name = `${conv.name}/per_channel`;
    constants.set(`${name}_w`, makeTensor(`${name}_w`, 'float32', [c, 1, w.dims[2], w.dims[3]], Array.from({ length: c }, () => wv).flat()));
    g.values.set(`${name}_w`, { name: `${name}_w`, dtype: 'float32', shape: [c, 1, w.dims[2], w.dims[3]] });
    const inputs = [r1.inputs[0], `${name}_w`];
    if (bias) {
      constants.set(`${name}_b`, makeTensor(`${name}_b`, 'float32', [c], new Array<number>(c).fill(toNumbers(bias)[0])));
      g.values.set(`${name}_b`, { name: `${name}_b`, dtype: 'float32', shape: [c] });
      inputs.push(`${name}_b`);
    }
    const attrs = new Map(conv.attrs);
    attrs.set('group', { type: 'int', value: c });
    const dw: Node = { ...node('Conv', inputs, [r2.outputs[0]], {}, conv.name), attrs };
    replace.set(conv, [dw]);
    skip.add(r1);
    skip.add(r2);
  }
  if (replace.size) spliceNodes(g, new Map(), replace, skip);
}

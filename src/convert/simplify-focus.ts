// YOLOv5's and YOLOX's "Focus" stem: torch.cat([x[..., ::2, ::2], x[..., 1::2, ::2], x[..., ::2, 1::2],
// x[..., 1::2, 1::2]], 1), exported as Slices with step 2 on H and W (one per axis, the H slice shared by two W
// slices) and a Concat on the channels. Each strided Slice was a TFLite STRIDED_SLICE with stride 2, which XNNPack
// does not take (it runs TFLite's own kernel, element by element): the six of a 192² person detector's stem took
// 4.8 of its 19.4 ms in int8 and 5.6 of 25.2 ms in float32 (bench/op-latency.ts, s22-i8lat). The Concat is
// SpaceToDepth with the b² block positions in another order: SpaceToDepth (TFLite's SPACE_TO_DEPTH) puts input channel
// c of block position (i, j) (row offset i, column offset j) at (i·b + j)·C + c; the Concat puts it at p·C + c, p the
// position of the slice of (i, j) among its inputs. When the order is SpaceToDepth's, or only Convs with constant
// weights read the result (their weights' input channels are then put in SpaceToDepth's order, as
// simplify-unshuffle.ts does for pixel_unshuffle), the slices and the Concat become one SpaceToDepth.
import type { Graph, Node, Tensor } from '../ir/types';
import { toNumbers } from '../ir/tensor';
import { node } from '../onnx/builder';
import { permutedInputChannels, readersOf, spliceNodes } from './simplify-util';

/** A Slice's per-axis [start, step] on a rank-4 value when it takes every `step`-th element from `start` to the end;
 *  undefined for any other Slice. */
function stridedAxes(n: Node, constants: Map<string, Tensor>, dims: number[]): Map<number, [number, number]> | undefined {
  const c = (k: number) => (n.inputs[k] ? constants.get(n.inputs[k]) : undefined);
  const starts = c(1), ends = c(2);
  if (!starts || !ends || (n.inputs[3] && !c(3)) || (n.inputs[4] && !c(4))) return undefined;
  const s = toNumbers(starts), e = toNumbers(ends);
  const axes = c(3) ? toNumbers(c(3)!) : s.map((_, k) => k);
  const steps = c(4) ? toNumbers(c(4)!) : s.map(() => 1);
  const out = new Map<number, [number, number]>();
  for (let k = 0; k < s.length; k++) {
    const axis = axes[k] < 0 ? axes[k] + 4 : axes[k];
    if (steps[k] < 1 || s[k] < 0 || e[k] < dims[axis] || out.has(axis)) return undefined;
    if (steps[k] === 1 && s[k] === 0) continue; // the whole axis
    out.set(axis, [s[k], steps[k]]);
  }
  return out;
}

export function fuseFocusSlices(g: Graph, constants: Map<string, Tensor>): void {
  const dims = (v: string) => g.values.get(v)?.shape as number[] | undefined;
  const { uses, producer, outs } = readersOf(g, constants);
  const replace = new Map<Node, Node[]>();
  const skip = new Set<Node>();
  for (const cat of g.nodes) {
    if (cat.opType !== 'Concat' || cat.inputs.length < 4) continue;
    const y = dims(cat.outputs[0]);
    const axisAttr = cat.attrs.get('axis');
    const axis = axisAttr?.type === 'int' ? axisAttr.value : 0;
    if (!y || y.length !== 4 || (axis !== 1 && axis !== -3)) continue;
    const b = Math.round(Math.sqrt(cat.inputs.length));
    if (b * b !== cat.inputs.length) continue;
    // Each input: a chain of at most two Slices back to one source, with the steps b on H and W together.
    let src: string | undefined;
    const slices: Node[] = [];
    const positions: [number, number][] = [];
    for (const v of cat.inputs) {
      let at = v;
      const offset = new Map<number, number>();
      for (let depth = 0; depth < 2; depth++) {
        const s = producer.get(at);
        const x = s?.opType === 'Slice' ? dims(s.inputs[0]) : undefined;
        if (!s || !x || x.length !== 4) break;
        const ax = stridedAxes(s, constants, x);
        if (!ax || [...ax.keys()].some((a) => (a !== 2 && a !== 3) || offset.has(a)) || [...ax.values()].some(([, st]) => st !== b)) break;
        for (const [a, [start]] of ax) offset.set(a, start);
        slices.push(s);
        at = s.inputs[0];
      }
      const x = dims(at);
      if (!offset.has(2) || !offset.has(3) || (src !== undefined && at !== src) || !x || x.length !== 4) { src = undefined; break; }
      src = at;
      positions.push([offset.get(2)!, offset.get(3)!]);
    }
    const x = src ? dims(src) : undefined;
    if (!src || !x || x.some((d) => !(d > 0)) || x[2] % b || x[3] % b) continue;
    const [n, c, h, w] = x;
    if (y.join() !== [n, c * b * b, h / b, w / b].join()) continue;
    const block = positions.map(([i, j]) => i * b + j);
    if (positions.some(([i, j]) => i >= b || j >= b) || new Set(block).size !== block.length) continue;
    // Every slice read only inside the pattern (the Concat or a slice of it).
    const inside = new Set<Node>([cat, ...slices]);
    if (slices.some((s) => outs.has(s.outputs[0]) || (uses.get(s.outputs[0]) ?? []).some((r) => !inside.has(r)))) continue;
    const out = cat.outputs[0];
    /** SpaceToDepth's channel of the Concat's channel k. */
    const s2dChannel = (k: number) => block[Math.floor(k / c)] * c + (k % c);
    const identity = block.every((p, k) => p === k);
    const readers = uses.get(out) ?? [];
    const convs = outs.has(out) ? [] : readers.filter((r) => r.opType === 'Conv' && r.inputs[0] === out && r.inputs[1] !== out && constants.has(r.inputs[1])
      && (r.attrs.get('group')?.type !== 'int' || r.attrs.get('group')!.value === 1) && constants.get(r.inputs[1])!.dtype === 'float32');
    if (!identity && (readers.length === 0 || convs.length !== readers.length)) continue;
    const s2d = (to: string) => node('SpaceToDepth', [src!], [to], { blocksize: b }, `${cat.name}/space_to_depth`);
    if (identity) replace.set(cat, [s2d(out)]);
    else {
      // The Convs read SpaceToDepth's order under a new name (the Concat's value is no longer made).
      const mid = `${out}/space_to_depth`;
      g.values.set(mid, { name: mid, dtype: g.values.get(out)?.dtype, shape: [...y] });
      for (const conv of convs) conv.inputs = [mid, permutedInputChannels(g, constants, constants.get(conv.inputs[1])!, s2dChannel, `/space_to_depth_order_${block.join('')}`), ...conv.inputs.slice(2)];
      replace.set(cat, [s2d(mid)]);
    }
    for (const s of slices) skip.add(s);
  }
  if (replace.size) spliceNodes(g, new Map(), replace, skip);
}

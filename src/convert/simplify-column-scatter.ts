// A column scatter: PyTorch exports `canvas[:, idx] = x` (OpenPCDet's PointPillarScatter puts each pillar's [C]
// features at its BEV cell of a [C, ny·nx] canvas) as a ScatterND into [C, M] with [C, P, 2] coordinates, the
// Concat of every channel number and the Expand of `idx` to [C, P]. That is a row scatter of the canvas's transpose:
// ScatterND([M, C], idx as [P, 1], xᵀ as [P, C]), transposed back. Written that way the canvas is stored [M, C], which
// is already the channel-last [1, ny, nx, C] its Convs read, and the updates are the pillars' [P, C] as computed: no
// TRANSPOSE (PointPillars had 2: the updates' and the canvas's). Coordinates: P instead of C·P pairs.
import type { DType, Graph, Node, Tensor } from '../ir/types';
import { toNumbers } from '../ir/tensor';
import { node } from '../onnx/builder';
import { readersOf, spliceNodes } from './simplify-util';

/** The [P] index tensor when `v` is Unsqueeze(Expand(idx [P] → [C, P])) on its last axis, else undefined. */
function expandedIndex(g: Graph, producer: Map<string, Node>, constants: Map<string, Tensor>, v: string, c: number, p: number): string | undefined {
  const un = producer.get(v);
  if (un?.opType !== 'Unsqueeze') return undefined;
  const axesAttr = un.attrs.get('axes');
  const axes = axesAttr?.type === 'ints' ? axesAttr.value : un.inputs[1] && constants.has(un.inputs[1]) ? toNumbers(constants.get(un.inputs[1])!) : undefined;
  if (!axes || axes.length !== 1 || (axes[0] !== 2 && axes[0] !== -1)) return undefined;
  const ex = producer.get(un.inputs[0]);
  if (ex?.opType !== 'Expand') return undefined;
  const idx = ex.inputs[0];
  const d = g.values.get(idx)?.shape;
  const out = g.values.get(ex.outputs[0])?.shape;
  if (!d || !out || out.join() !== [c, p].join() || !((d.length === 1 && d[0] === p) || (d.length === 2 && d[0] === 1 && d[1] === p))) return undefined;
  return idx;
}

/** True when `t` is the [C, P, 1] constant holding each row's channel number. */
function channelNumbers(t: Tensor | undefined, c: number, p: number): boolean {
  if (!t || t.dims.join() !== [c, p, 1].join()) return false;
  const v = toNumbers(t);
  for (let i = 0; i < v.length; i++) if (v[i] !== Math.floor(i / p)) return false;
  return true;
}

export function columnScatterAsRows(g: Graph, constants: Map<string, Tensor>): void {
  const { producer } = readersOf(g, constants);
  const replace = new Map<Node, Node[]>();
  for (const sc of g.nodes) {
    if (sc.opType !== 'ScatterND' || constants.has(sc.outputs[0])) continue;
    const [data, indices, updates] = sc.inputs;
    const dd = g.values.get(data)?.shape as number[] | undefined;
    const ud = g.values.get(updates)?.shape as number[] | undefined;
    const cat = producer.get(indices);
    if (!dd || !ud || dd.length !== 2 || ud.length !== 2 || dd[0] !== ud[0] || cat?.opType !== 'Concat' || cat.inputs.length !== 2) continue;
    const [c, m] = dd;
    const p = ud[1];
    if (!(c > 0 && m > 0 && p > 0)) continue;
    if (!channelNumbers(constants.get(cat.inputs[0]), c, p)) continue;
    const idx = expandedIndex(g, producer, constants, cat.inputs[1], c, p);
    if (!idx) continue;
    const name = (what: string) => `${sc.name}/rows_${what}`;
    const value = (what: string, dtype: DType, shape: number[]) => g.values.set(name(what), { name: name(what), dtype, shape });
    const dtype: DType = g.values.get(data)?.dtype ?? 'float32';
    const nodes: Node[] = [];
    const dataConst = constants.get(data);
    if (dataConst) {
      // The canvas (zeros, usually) is a constant: store its transpose.
      if (dataConst.dtype !== 'float32') continue;
      const v = toNumbers(dataConst);
      const t = new Float32Array(c * m);
      for (let i = 0; i < c; i++) for (let j = 0; j < m; j++) t[j * c + i] = v[i * m + j];
      constants.set(name('data'), { name: name('data'), dtype: 'float32', dims: [m, c], data: t });
    } else {
      nodes.push(node('Transpose', [data], [name('data')], { perm: [1, 0] }, name('data')));
    }
    value('data', dtype, [m, c]);
    constants.set(name('shape'), { name: name('shape'), dtype: 'int64', dims: [2], data: BigInt64Array.from([BigInt(p), 1n]) });
    value('shape', 'int64', [2]);
    value('index', g.values.get(idx)?.dtype ?? 'int64', [p, 1]);
    value('updates', dtype, [p, c]);
    value('scattered', dtype, [m, c]);
    const reduction = sc.attrs.get('reduction');
    nodes.push(
      node('Reshape', [idx, name('shape')], [name('index')], {}, name('index')),
      node('Transpose', [updates], [name('updates')], { perm: [1, 0] }, name('updates')),
      node('ScatterND', [name('data'), name('index'), name('updates')], [name('scattered')], reduction?.type === 'string' ? { reduction: reduction.value } : {}, sc.name),
      node('Transpose', [name('scattered')], [sc.outputs[0]], { perm: [1, 0] }, name('out')),
    );
    replace.set(sc, nodes);
  }
  if (replace.size) spliceNodes(g, new Map(), replace, new Set());
}

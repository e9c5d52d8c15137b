// ONNX Pad whose pads are computed: the [begin..., end...] vector becomes TFLite's [rank, 2] paddings in the graph
// (RESHAPE to [2, rank], TRANSPOSE) for PAD / PADV2 / MIRROR_PAD in ONNX order; edge mode GATHERs along each axis
// the indices RANGE(-begin, n + end) clamped to [0, n - 1]. The output is sized at run time.
import type { Node } from '../../ir/types';
import { toNumbers } from '../../ir/tensor';
import { attrFloat, attrString } from '../attrs';
import type { ConvertContext } from '../context';
import { identity } from '../layout';
import { scalarOf, vectorOf } from './_dynamic';
import { Emitter } from './_emit';
import { refuse, type Refusal } from '../types';

export function computedPadReason(node: Node, ctx: ConvertContext): Refusal | undefined {
  if (node.inputs[3]) return refuse('computed-input', 'Pad with computed pads and an axes input is not supported');
  if (ctx.isDynamic(node.inputs[0])) return refuse('dynamic-shape', 'Pad of a tensor sized at run time with computed pads is not supported');
  return undefined;
}

export function emitComputedPad(node: Node, ctx: ConvertContext): void {
  const rank = ctx.rank(node.inputs[0]);
  const dims = ctx.dims(node.inputs[0]);
  const e = new Emitter(ctx, node);
  const int = (v: number[], what: string, shape?: number[]) => ctx.constInt32(v, `${node.name}/${what}`, shape);
  const x = ctx.input(node.inputs[0], identity(rank));
  const pads = vectorOf(ctx, e, node.inputs[1]);
  const out = ctx.dynamicOutput(node.outputs[0], identity(rank), new Array<number>(rank).fill(-1));
  const mode = attrString(node, 'mode', 'constant');
  if (mode === 'edge') {
    let cur = x;
    for (let a = 0; a < rank; a++) {
      const n = dims[a];
      const b = e.op('GATHER', [pads, int([a], `b${a}`, [])], [], 'INT32', { axis: 0, batchDims: 0 });
      const after = e.op('GATHER', [pads, int([a + rank], `a${a}`, [])], [], 'INT32', { axis: 0, batchDims: 0 });
      const range = e.op('RANGE', [e.un('NEG', b), e.bin('ADD', after, int([n], `n${a}`, [])), int([1], `d${a}`, [])], [-1], 'INT32');
      const idx = e.bin('MINIMUM', e.bin('MAXIMUM', range, int([0], `lo${a}`, [])), int([n - 1], `hi${a}`, []));
      const shape = dims.map((d, i) => (i === a ? -1 : i < a ? -1 : d));
      cur = e.op('GATHER', [cur, idx], shape, e.type(cur), { axis: a, batchDims: 0 }, a === rank - 1 ? out : undefined);
    }
    return;
  }
  const paddings = e.op('TRANSPOSE', [e.reshape(pads, [2, rank]), int([1, 0], 'perm')], [rank, 2], 'INT32');
  if (mode === 'reflect') {
    ctx.emit('MIRROR_PAD', [x, paddings], [out], { mode: 'REFLECT' });
    return;
  }
  const vName = node.inputs[2];
  const type = ctx.tensors[x].type;
  let value: number | undefined;
  if (vName && !ctx.isConstant(vName)) value = scalarOf(ctx, e, vName, type);
  else {
    const v = vName ? toNumbers(ctx.constant(vName)!)[0] : attrFloat(node, 'value', 0);
    if (v !== 0) value = type === 'FLOAT32' ? ctx.constFloat32([v], [], `${node.name}/value`) : int([v], 'value', []);
  }
  if (value === undefined) ctx.emit('PAD', [x, paddings], [out]);
  else ctx.emit('PADV2', [x, paddings, value], [out]);
}

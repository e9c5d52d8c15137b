// Shared lowering of ONNX ScatterND / ScatterElements / Scatter to TFLite SCATTER_ND, which writes updates into
// zeros: reduction 'none' picks the scattered values where a mask (the same scatter of ones) is set, else the data
// (SELECT_V2); 'add' adds the scattered updates to the data; into constant zeros the scatter is the result; 'max',
// 'min' and 'mul' (opset 18; constant indices that never repeat) combine the data and the updates where written.
import type { Node } from '../../ir/types';
import { toNumbers } from '../../ir/tensor';
import { elementCount } from '../../ir/types';
import { attrInt, attrString, normAxis } from '../attrs';
import type { ConvertContext } from '../context';
import { identity } from '../layout';
import { Emitter } from './_emit';
import { refuse } from '../types';
import type { Refusal } from '../types';

/** Reductions other than add, combined with the data where the scatter writes (constant indices that never repeat). */
const COMBINE: Record<string, string> = { max: 'MAXIMUM', min: 'MINIMUM', mul: 'MUL' };

/** Whether two of a constant scatter's coordinates coincide (then max / min / mul would have to fold several updates). */
function repeats(node: Node, ctx: ConvertContext): boolean {
  const dims = ctx.dims(node.inputs[0]);
  const idx = ctx.constant(node.inputs[1])!;
  const v = toNumbers(idx);
  const wrap = (i: number, d: number) => (i < 0 ? i + d : i);
  const seen = new Set<string>();
  if (node.opType === 'ScatterND') {
    const m = idx.dims[idx.dims.length - 1];
    for (let k = 0; k < v.length; k += m) {
      const key = v.slice(k, k + m).map((x, j) => wrap(x, dims[j])).join();
      if (seen.has(key)) return true;
      seen.add(key);
    }
    return false;
  }
  const axis = normAxis(attrInt(node, 'axis', 0), dims.length);
  const strides = idx.dims.map((_, i) => idx.dims.slice(i + 1).reduce((a, b) => a * b, 1));
  for (let k = 0; k < v.length; k++) {
    const at = idx.dims.map((d, i) => (i === axis ? wrap(v[k], dims[axis]) : Math.floor(k / strides[i]) % d));
    const key = at.join();
    if (seen.has(key)) return true;
    seen.add(key);
  }
  return false;
}

export function scatterCheck(node: Node, ctx: ConvertContext): Refusal | undefined {
  const r = attrString(node, 'reduction', 'none');
  if (r !== 'none' && r !== 'add' && !COMBINE[r]) return refuse('attribute', `${node.opType} with reduction=${r} is not supported`);
  if (COMBINE[r] && (!ctx.isConstant(node.inputs[1]) || ctx.dims(node.inputs[0]).some((d) => d < 0) || repeats(node, ctx))) {
    return refuse('attribute', `${node.opType} with reduction=${r} is supported for constant indices that never repeat only (TFLite's SCATTER_ND only adds)`);
  }
  const dt = ctx.dtype(node.inputs[0]);
  const ok = ['float32', 'float64', 'int32', 'int64', ...(r === 'none' ? ['bool'] : [])];
  if (!ok.includes(dt)) return refuse('dtype', `${node.opType} on ${dt} is not supported`);
  return undefined;
}

/** Scatters `updates` at int32 coordinates `coords` ([..., m]) into the data input, writing the node's output.
 *  Data and updates may have dims known only at run time (then the shape and the mask's ones are measured). */
export function emitScatter(e: Emitter, coords: number): void {
  const { ctx, node } = e;
  const [data, , updatesName] = node.inputs;
  const dims = ctx.dims(data);
  const rank = dims.length;
  // Boolean masks (Mask2Former's `attn_mask[rows all True] = False`) are scattered as int32 and cast back.
  const bool = e.type(ctx.inputOnnx(data)) === 'BOOL';
  const asInt = (t: number) => (bool ? e.cast(t, 'INT32') : t);
  const x = asInt(ctx.inputOnnx(data));
  const updates = asInt(ctx.inputOnnx(updatesName));
  const type = e.type(x);
  const dynamic = dims.some((d) => d < 0);
  const shape = dynamic ? e.op('SHAPE', [x], [rank], 'INT32', { outType: 'INT32' }) : ctx.constInt32(dims, `${node.name}/shape`);
  const result = dynamic ? ctx.dynamicOutput(node.outputs[0], identity(rank), dims) : ctx.output(node.outputs[0], identity(rank));
  const out = bool ? undefined : result;
  const done = (t: number) => { if (bool) e.cast(t, 'BOOL', result); };
  const reduction = attrString(node, 'reduction', 'none');
  const zeros = ctx.constant(data);
  if (!COMBINE[reduction] && zeros && toNumbers(zeros).every((v) => v === 0)) {
    done(e.op('SCATTER_ND', [coords, updates, shape], dims, type, undefined, out));
    return;
  }
  const scattered = e.op('SCATTER_ND', [coords, updates, shape], dims, type);
  if (reduction === 'add') {
    e.bin('ADD', x, scattered, out);
    return;
  }
  const us = e.shape(updates);
  let ones: number;
  if (us.some((d) => d < 0)) {
    ones = e.op('FILL', [e.op('SHAPE', [updates], [us.length], 'INT32', { outType: 'INT32' }), e.scalar(1, type)], us, type);
  } else {
    ones = type === 'FLOAT32' ? ctx.constFloat32(new Float32Array(elementCount(us)).fill(1), us, `${node.name}/ones`)
      : ctx.constInt32(new Array<number>(elementCount(us)).fill(1), `${node.name}/ones`, us);
  }
  const hit = e.op('SCATTER_ND', [coords, ones, shape], dims, type);
  const written = COMBINE[reduction] ? e.bin(COMBINE[reduction], x, scattered) : scattered;
  done(e.select(e.bin('GREATER', hit, e.scalar(0, type)), written, x, out));
}

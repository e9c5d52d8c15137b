// ONNX MaxUnpool → TFLite SCATTER_ND. MaxPool's indices address the whole NCHW tensor flattened, so X's values are
// scattered (in ONNX order) into a flat zero tensor of the output's size, which is reshaped to the output. An index
// met twice (overlapping windows that picked the same maximum) holds the same value each time: SCATTER_ND adds them,
// so the sum is divided by the number of hits (a scatter of ones, at least 1). The indices address the size that
// kernel, strides and pads give; a larger output_shape pads that at the end of each dim (as ONNX's reference).
// When X and the indices are both stored channel-last (a MaxPool's Indices output and a conv's map: ENet's
// decoder), each index is moved to its channel-last position instead (integer div / mod), the scatter runs on the
// channel-last flat tensor and the output stays channel-last: no TRANSPOSE of X, the indices or the output.
import { elementCount } from '../../ir/types';
import { attrInts } from '../attrs';
import type { ConvertContext } from '../context';
import { channelLast, identity, permute, samePerm } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';

const MaxUnpool: OpConverter = {
  op: 'MaxUnpool', emits: ['SCATTER_ND', 'RESHAPE', 'DIV', 'MAXIMUM', 'CAST', 'PAD', 'FLOOR_DIV', 'FLOOR_MOD', 'MUL', 'ADD'],
  incidental: ['FLOOR_DIV', 'FLOOR_MOD', 'MUL', 'ADD'] /* the indices' channel-last positions, int32 */, opset: [9, MAX_OPSET], inputs: [2, 3], dtypes: ['float32'],
  layout: 'onnx', micro: false,
  check(node, ctx) {
    if (node.inputs[2] && !ctx.isConstant(node.inputs[2])) {
      return refuse('computed-input', 'MaxUnpool with a computed output_shape is not supported; make it a constant');
    }
    return undefined;
  },
  convert(node, ctx) {
    const [xName, iName] = node.inputs;
    const y = node.outputs[0];
    const outDims = ctx.shape(y);
    const xDims = ctx.shape(xName);
    const sp = xDims.length - 2;
    const k = attrInts(node, 'kernel_shape') ?? [];
    const st = attrInts(node, 'strides') ?? new Array<number>(sp).fill(1);
    const p = attrInts(node, 'pads') ?? new Array<number>(2 * sp).fill(0);
    const dims = [xDims[0], xDims[1], ...xDims.slice(2).map((d, i) => (d - 1) * st[i] + k[i] - p[i] - p[i + sp])];
    if (dims.some((d, i) => d > outDims[i])) ctx.fail(`MaxUnpool's output_shape [${outDims}] is smaller than its unpooled size [${dims}]`, 'attribute');
    const total = elementCount(dims);
    const m = elementCount(xDims);
    const e = new Emitter(ctx, node);
    const last = channelLast(xDims.length);
    const perm = storedChannelLast(ctx, xName, iName) ? last : identity(xDims.length);
    const x = e.reshape(ctx.input(xName, perm), [m]);
    let idx = ctx.input(iName, perm);
    if (e.type(idx) !== 'INT32') idx = e.cast(idx, 'INT32');
    idx = e.reshape(idx, [m, 1]);
    if (perm === last) {
      // ONNX order i = (n·C + c)·S + s (S: one plane's elements) → channel-last (n·S + s)·C + c.
      const S = elementCount(dims.slice(2));
      const C = dims[1];
      const int = (v: number): number => e.scalar(v, 'INT32');
      const q = e.bin('FLOOR_DIV', idx, int(S));
      const c = e.bin('FLOOR_MOD', q, int(C));
      const ns = e.bin('ADD', e.bin('MUL', e.bin('FLOOR_DIV', q, int(C)), int(S)), e.bin('FLOOR_MOD', idx, int(S)));
      idx = e.bin('ADD', e.bin('MUL', ns, int(C)), c);
    }
    const shape = ctx.constInt32([total], `${node.name}/size`);
    const sum = e.op('SCATTER_ND', [idx, x, shape], [total], 'FLOAT32');
    const ones = ctx.constFloat32(new Float32Array(m).fill(1), [m], `${node.name}/ones`);
    const hits = e.bin('MAXIMUM', e.op('SCATTER_ND', [idx, ones, shape], [total], 'FLOAT32'), e.scalar(1));
    const out = ctx.output(y, perm);
    if (dims.every((d, i) => d === outDims[i])) {
      e.reshape(e.bin('DIV', sum, hits), permute(outDims, perm), out);
      return;
    }
    const stored = permute(dims, perm);
    const grid = e.reshape(e.bin('DIV', sum, hits), stored);
    const padOut = permute(outDims, perm);
    const pads = ctx.constInt32(stored.flatMap((d, i) => [0, padOut[i] - d]), `${node.name}/pads`, [dims.length, 2]);
    ctx.emit('PAD', [grid, pads], [out]);
  },
};

/** X and the indices both stored channel-last (rank ≥ 3), so that neither needs a move. */
function storedChannelLast(ctx: ConvertContext, x: string, indices: string): boolean {
  const r = ctx.rank(x);
  if (r < 3 || ctx.isConstant(x) || ctx.isConstant(indices)) return false;
  return [x, indices].every((n) => samePerm(ctx.permOf(n), channelLast(r)));
}
export default MaxUnpool;

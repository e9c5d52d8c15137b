// ONNX MaxUnpool → TFLite SCATTER_ND. MaxPool's indices address the whole NCHW tensor flattened, so X's values are
// scattered (in ONNX order) into a flat zero tensor of the output's size, which is reshaped to the output. An index
// met twice (overlapping windows that picked the same maximum) holds the same value each time: SCATTER_ND adds them,
// so the sum is divided by the number of hits (a scatter of ones, at least 1). The indices address the size that
// kernel, strides and pads give; a larger output_shape pads that at the end of each dim (as ONNX's reference).
import { elementCount } from '../../ir/types';
import { attrInts } from '../attrs';
import { identity } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';

const MaxUnpool: OpConverter = {
  op: 'MaxUnpool', emits: ['SCATTER_ND', 'RESHAPE', 'DIV', 'MAXIMUM', 'CAST', 'PAD'], opset: [9, MAX_OPSET], inputs: [2, 3], dtypes: ['float32'],
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
    const x = e.reshape(ctx.inputOnnx(xName), [m]);
    let idx = ctx.inputOnnx(iName);
    if (e.type(idx) !== 'INT32') idx = e.cast(idx, 'INT32');
    idx = e.reshape(idx, [m, 1]);
    const shape = ctx.constInt32([total], `${node.name}/size`);
    const sum = e.op('SCATTER_ND', [idx, x, shape], [total], 'FLOAT32');
    const ones = ctx.constFloat32(new Float32Array(m).fill(1), [m], `${node.name}/ones`);
    const hits = e.bin('MAXIMUM', e.op('SCATTER_ND', [idx, ones, shape], [total], 'FLOAT32'), e.scalar(1));
    const out = ctx.output(y, identity(outDims.length));
    if (dims.every((d, i) => d === outDims[i])) {
      e.reshape(e.bin('DIV', sum, hits), outDims, out);
      return;
    }
    const grid = e.reshape(e.bin('DIV', sum, hits), dims);
    const pads = ctx.constInt32(dims.flatMap((d, i) => [0, outDims[i] - d]), `${node.name}/pads`, [dims.length, 2]);
    ctx.emit('PAD', [grid, pads], [out]);
  },
};
export default MaxUnpool;

// ONNX GatherND (batch_dims = 0) → TFLite GATHER_ND in ONNX order; negative indices wrapped (_indices.ts).
import { attrInt } from '../attrs';
import { identity } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';
import { NUMERIC } from './_elementwise';
import { ndIndices } from './_indices';

const GatherND: OpConverter = {
  op: 'GatherND', emits: ['GATHER_ND', 'FLOOR_MOD'], incidental: ['FLOOR_MOD'] /* indices */, opset: [11, MAX_OPSET], dtypes: NUMERIC, micro: false, layout: 'onnx',
  check(node) {
    const b = attrInt(node, 'batch_dims', 0);
    if (b !== 0) return refuse('attribute', `GatherND with batch_dims=${b} is not supported (TFLite's GATHER_ND has no batch dims); only batch_dims=0`);
    return undefined;
  },
  convert(node, ctx) {
    const [data, indices] = node.inputs;
    const e = new Emitter(ctx, node);
    const idx = ndIndices(e, indices, ctx.dims(data));
    const out = ctx.output(node.outputs[0], identity(ctx.rank(node.outputs[0])));
    ctx.emit('GATHER_ND', [ctx.inputOnnx(data), idx], [out]);
  },
};
export default GatherND;

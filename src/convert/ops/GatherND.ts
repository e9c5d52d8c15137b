// ONNX GatherND → TFLite GATHER_ND in ONNX order; negative indices wrapped (_indices.ts). batch_dims = b > 0: each
// index row gets its own batch coordinates in front (a constant grid), so that GATHER_ND, which has no batch dims,
// reads the same elements; the output shape is the same.
import { attrInt } from '../attrs';
import { identity } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';
import { NUMERIC } from './_elementwise';
import { ndIndices } from './_indices';

const GatherND: OpConverter = {
  op: 'GatherND', emits: ['GATHER_ND', 'FLOOR_MOD', 'CONCATENATION'], incidental: ['FLOOR_MOD', 'CONCATENATION'] /* indices */, opset: [11, MAX_OPSET], dtypes: NUMERIC, micro: false, layout: 'onnx',
  check(node, ctx) {
    const b = attrInt(node, 'batch_dims', 0);
    if (b !== 0 && (ctx.dims(node.inputs[1]).some((d) => d < 0) || ctx.dims(node.inputs[0]).slice(0, b).some((d) => d < 0))) {
      return refuse('dynamic-shape', `GatherND with batch_dims=${b} over sizes known only at run time is not supported`);
    }
    return undefined;
  },
  convert(node, ctx) {
    const [data, indices] = node.inputs;
    const e = new Emitter(ctx, node);
    const b = attrInt(node, 'batch_dims', 0);
    let idx = ndIndices(e, indices, ctx.dims(data).slice(b), b === 0 ? data : undefined);
    if (b > 0) {
      const S = ctx.dims(indices);
      const rows = S.slice(0, -1);
      const n = rows.reduce((x, y) => x * y, 1);
      const inner = rows.slice(b).reduce((x, y) => x * y, 1);
      // Row r's batch coordinates: the first b digits of r in the mixed radix rows[0..b).
      const grid = new Array<number>(n * b);
      for (let r = 0; r < n; r++) {
        let q = Math.floor(r / inner);
        for (let d = b - 1; d >= 0; d--) {
          grid[r * b + d] = q % rows[d];
          q = Math.floor(q / rows[d]);
        }
      }
      const batch = ctx.constInt32(grid, `${node.name}/batch`, [...rows, b]);
      idx = e.op('CONCATENATION', [batch, idx], [...rows, b + S[S.length - 1]], 'INT32', { axis: S.length - 1, fusedActivationFunction: 'NONE' });
    }
    const out = ctx.output(node.outputs[0], identity(ctx.rank(node.outputs[0])));
    ctx.emit('GATHER_ND', [ctx.inputOnnx(data), idx], [out]);
  },
};
export default GatherND;

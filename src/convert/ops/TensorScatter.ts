// ONNX TensorScatter (opset 24: the KV-cache update beside ONNX Attention): the update's rows written into the cache
// along `axis` from each batch row's write index (0 when write_indices is absent; modulo the cache length when
// mode=circular). A fixed-size cache, so one static shape: each cache position t of batch row b reads the update's
// row t − w[b] (FLOOR_MOD by the length when circular) where that row exists, else keeps the past — the row index
// and its range test in INT32 [B, maxS], GATHER with batch_dims 1 over the update, SELECT_V2 against the past.
// Write indices may be run-time values (decode steps).
import { attrInt, attrString, normAxis } from '../attrs';
import { identity } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';

const TensorScatter: OpConverter = {
  op: 'TensorScatter',
  emits: ['SUB', 'FLOOR_MOD', 'GREATER_EQUAL', 'LESS', 'LOGICAL_AND', 'MAXIMUM', 'MINIMUM', 'GATHER', 'RESHAPE', 'SELECT_V2', 'CAST'],
  opset: [24, MAX_OPSET], inputs: [2, 3], dtypes: ['float32', 'int32', 'int64', 'bool'], int8: false, micro: false, layout: 'onnx',
  check(node, ctx) {
    const [past, update, idx] = node.inputs;
    const [p, u] = [ctx.dims(past), ctx.dims(update)];
    if ([...p, ...u, ...(idx ? ctx.dims(idx) : [])].some((d) => d < 0)) return refuse('dynamic-shape', 'TensorScatter on inputs of dynamic dims; fix the cache and update dims with --input-shape');
    const mode = attrString(node, 'mode', 'linear');
    if (mode !== 'linear' && mode !== 'circular') return refuse('attribute', `TensorScatter with mode=${mode} (linear or circular)`);
    const axis = normAxis(attrInt(node, 'axis', -2), p.length);
    if (axis < 1 || axis >= p.length || u.length !== p.length || u.some((d, i) => (i === axis ? d > p[i] : d !== p[i]))) {
      return refuse('unsupported', `TensorScatter of update [${u.join(', ')}] into cache [${p.join(', ')}] along axis ${axis} is not supported`);
    }
    if (p.length > 5) return refuse('rank', `TensorScatter on a rank-${p.length} cache is not supported (up to 5-D)`);
    return undefined;
  },
  convert(node, ctx) {
    const [past, update, idx] = node.inputs;
    const p = ctx.shape(past);
    const rank = p.length;
    const axis = normAxis(attrInt(node, 'axis', -2), rank);
    const [B, M, s] = [p[0], p[axis], ctx.shape(update)[axis]];
    const e = new Emitter(ctx, node);
    const positions = ctx.constInt32(Array.from({ length: M }, (_, t) => t), `${node.name}/positions`, [1, M]);
    let w = idx ? ctx.inputOnnx(idx) : ctx.constInt32(new Array<number>(B).fill(0), `${node.name}/no_write_indices`, [B]);
    if (e.type(w) !== 'INT32') w = e.cast(w, 'INT32');
    let rel = e.bin('SUB', positions, e.reshape(w, [B, 1]));
    if (attrString(node, 'mode', 'linear') === 'circular') rel = e.bin('FLOOR_MOD', rel, e.scalar(M, 'INT32'));
    const inside = e.bin('LOGICAL_AND', e.bin('GREATER_EQUAL', rel, e.scalar(0, 'INT32')), e.bin('LESS', rel, e.scalar(s, 'INT32')));
    const rows = e.bin('MINIMUM', e.bin('MAXIMUM', rel, e.scalar(0, 'INT32')), e.scalar(s - 1, 'INT32'));
    const upd = ctx.inputOnnx(update);
    const read = e.op('GATHER', [upd, rows], p, e.type(upd), { axis, batchDims: 1 });
    const keep = p.map((d, i) => (i === 0 || i === axis ? d : 1));
    e.select(e.reshape(inside, keep), read, ctx.inputOnnx(past), ctx.output(node.outputs[0], identity(rank)));
  },
};
export default TensorScatter;

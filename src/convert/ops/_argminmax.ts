// Shared conversion of ONNX ArgMax / ArgMin → TFLite ARG_MAX / ARG_MIN along the remapped axis of the input's own
// layout. keepdims=1 adds the unit dim back with a RESHAPE; select_last_index=1 runs on the input reversed along
// the axis (REVERSE_V2) and maps the index back (n - 1 - i).
import { attrInt, normAxis } from '../attrs';
import type { OpConverter } from '../types';
import { Emitter, dtypeReason } from './_emit';
import { MAX_OPSET } from '../types';

export function argMinMax(op: 'ArgMax' | 'ArgMin', tfl: 'ARG_MAX' | 'ARG_MIN'): OpConverter {
  return {
    op, emits: [tfl, 'RESHAPE', 'REVERSE_V2', 'SUB'], opset: [1, MAX_OPSET], dtypes: ['float32', 'int32', 'int64', 'uint8', 'int8'],
    micro: false, layout: 'axis',
    check(node, ctx) {
      return dtypeReason(node, ctx, this.dtypes);
    },
    convert(node, ctx) {
      const e = new Emitter(ctx, node);
      const x = ctx.inputAny(node.inputs[0]);
      // Dims known only at run time are fine (a per-box heatmap of run-time size), except the reversed one.
      const dims = ctx.dims(node.inputs[0]);
      const axis = normAxis(attrInt(node, 'axis', 0), dims.length);
      const keep = attrInt(node, 'keepdims', 1) === 1;
      const last = attrInt(node, 'select_last_index', 0) === 1;
      if (last && dims[axis] < 0) ctx.shape(node.inputs[0]);
      const tAxis = x.perm.indexOf(axis);
      const y = node.outputs[0];
      const outPerm = keep ? x.perm : x.perm.filter((d) => d !== axis).map((d) => (d > axis ? d - 1 : d));
      const out = ctx.output(y, outPerm);
      const src = last ? e.op('REVERSE_V2', [x.index, ctx.constInt32([tAxis], `${node.name}/rev_axis`)], e.shape(x.index), e.type(x.index)) : x.index;
      const direct = !keep && !last;
      const reduced = e.shape(x.index).filter((_, i) => i !== tAxis);
      let idx = e.op(tfl, [src, ctx.constInt32([tAxis], `${node.name}/axis`, [])], reduced, 'INT32', { outputType: 'INT32' },
        direct ? out : undefined);
      if (direct) return;
      if (last) idx = e.bin('SUB', e.scalar(dims[axis] - 1, 'INT32'), idx, keep ? undefined : out);
      if (keep) e.reshape(idx, e.shape(out), out);
    },
  };
}

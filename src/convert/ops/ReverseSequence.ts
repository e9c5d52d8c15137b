// ONNX ReverseSequence → TFLite REVERSE_SEQUENCE on the input's own layout (batch and time axes remapped);
// sequence_lens may be constant or computed.
import { attrInt } from '../attrs';
import type { OpConverter } from '../types';
import { NUMERIC } from './_elementwise';
import { MAX_OPSET } from '../types';

const ReverseSequence: OpConverter = {
  op: 'ReverseSequence', emits: ['REVERSE_SEQUENCE'], opset: [10, MAX_OPSET], dtypes: NUMERIC, layout: 'axis',
  convert(node, ctx) {
    const x = ctx.inputAny(node.inputs[0]);
    const lens = ctx.inputOnnx(node.inputs[1]);
    ctx.emit('REVERSE_SEQUENCE', [x.index, lens], [ctx.output(node.outputs[0], x.perm)], {
      seqDim: x.perm.indexOf(attrInt(node, 'time_axis', 0)), batchDim: x.perm.indexOf(attrInt(node, 'batch_axis', 1)),
    });
  },
};
export default ReverseSequence;

// com.microsoft QEmbedLayerNormalization (onnxruntime's quantize_dynamic of an optimized BERT's EmbedLayerNormalization):
// uint8 / int8 word, position and segment tables, gamma and beta, each with a per-tensor scale and zero point. They are
// dequantized here into float32 constants (as onnxruntime does before its float kernel) and EmbedLayerNormalization's
// converter runs: GATHERs, ADD, the LayerNorm, and the mask count.
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import EmbedLayerNormalization from './EmbedLayerNormalization';
import { Emitter } from './_emit';
import { dequantValue } from './_qlinear';

/** Input positions of the five tables and of their scales and zero points. */
const TABLES = [2, 3, 4, 5, 6];
const scaleOf = (i: number) => i + 6;
const zeroOf = (i: number) => i + 11;

const QEmbedLayerNormalization: OpConverter = {
  op: 'QEmbedLayerNormalization', domain: 'com.microsoft', emits: EmbedLayerNormalization.emits, incidental: EmbedLayerNormalization.incidental,
  opset: [1, MAX_OPSET], inputs: [18, 18], dtypes: ['int32'], int8: false, micro: false, layout: 'onnx',
  check(node, ctx) {
    for (const i of TABLES) {
      const [t, s, z] = [node.inputs[i], node.inputs[scaleOf(i)], node.inputs[zeroOf(i)]];
      if (!t) continue;
      if (![t, s, z].every((n) => !n || ctx.isConstant(n))) return refuse('computed-input', `${node.opType} with a computed table, scale or zero point ("${t}") is not supported`);
      if (!['uint8', 'int8'].includes(ctx.dtype(t))) return refuse('dtype', `${node.opType} with a ${ctx.dtype(t)} table ("${t}") is not supported (uint8, int8)`);
      if (s && ctx.shape(s).reduce((a, b) => a * b, 1) !== 1) return refuse('unsupported', `${node.opType} with a per-axis scale on "${t}" is not supported`);
    }
    return undefined;
  },
  convert(node, ctx) {
    const e = new Emitter(ctx, node);
    const table = (i: number) => (node.inputs[i] ? dequantValue(e, node.inputs[i], node.inputs[scaleOf(i)] || undefined, node.inputs[zeroOf(i)] || undefined, 0) : '');
    const fnode = { ...node, opType: 'EmbedLayerNormalization', inputs: [node.inputs[0], node.inputs[1], ...TABLES.map(table), node.inputs[7]] };
    while (fnode.inputs.length > 7 && !fnode.inputs[fnode.inputs.length - 1]) fnode.inputs.pop();
    const why = EmbedLayerNormalization.check?.(fnode, ctx);
    if (why) ctx.fail(why.message, why.code);
    EmbedLayerNormalization.convert(fnode, ctx);
  },
};
export default QEmbedLayerNormalization;

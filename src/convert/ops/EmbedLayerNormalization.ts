// com.microsoft EmbedLayerNormalization (onnxruntime's fusion of a BERT embedding layer): word, position and segment
// embeddings looked up by GATHER (positions 0..S-1 as constant rows unless position_ids are given), added, and
// layer-normalized over the hidden axis (MEAN, SUB, MUL, RSQRT, gamma, beta). The optional mask_index output is what
// onnxruntime computes: per batch row, the count of mask values equal to 1 (EQUAL, CAST, SUM; zeros without a mask);
// the optional embedding_sum output is the sum before normalization.
import { toFloat32 } from '../../ir/tensor';
import { attrFloat } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';
import { moments } from './_norm';

const EmbedLayerNormalization: OpConverter = {
  op: 'EmbedLayerNormalization', domain: 'com.microsoft',
  emits: ['GATHER', 'ADD', 'MEAN', 'SUB', 'MUL', 'RSQRT', 'EQUAL', 'CAST', 'SUM'], incidental: ['EQUAL', 'CAST', 'SUM'] /* the mask count, on int32 */,
  opset: [1, MAX_OPSET], inputs: [7, 9], dtypes: ['int32'], int8: false, micro: false, layout: 'onnx',
  check(node, ctx) {
    const [ids, segIds, word, pos, segEmb, gamma, beta, mask, posIds] = node.inputs;
    for (const w of [word, pos, segEmb, gamma, beta]) {
      if (w && !ctx.isConstant(w)) return refuse('computed-input', `EmbedLayerNormalization with a computed embedding table, gamma or beta ("${w}") is not supported`);
    }
    if (Boolean(segIds) !== Boolean(segEmb)) return refuse('unsupported', 'EmbedLayerNormalization needs segment_ids and segment_embedding together');
    const d = ctx.dims(ids);
    if (d.length !== 2) return refuse('rank', `EmbedLayerNormalization on input_ids of dims [${d.join(', ')}] is not supported (a [batch, sequence])`);
    if (d.some((v) => v < 0)) return refuse('dynamic-shape', `EmbedLayerNormalization on input_ids of dynamic dims [${d.join(', ')}]; fix the model inputs' dims with --input-shape`);
    const hidden = ctx.constant(word)!.dims[1];
    const tables = [word, pos, segEmb].filter(Boolean).map((t) => ctx.constant(t)!.dims);
    if (tables.some((t) => t.length !== 2 || t[1] !== hidden)) return refuse('unsupported', `EmbedLayerNormalization tables of dims ${tables.map((t) => `[${t.join(', ')}]`).join(', ')} do not share one hidden size`);
    if (!posIds && ctx.constant(pos)!.dims[0] < d[1]) return refuse('unsupported', `EmbedLayerNormalization: ${d[1]} positions but a position table of ${ctx.constant(pos)!.dims[0]} rows`);
    for (const [n, what] of [[segIds, 'segment_ids'], [mask, 'mask']] as const) {
      if (n && ctx.dims(n).join() !== d.join()) return refuse('unsupported', `EmbedLayerNormalization ${what} of dims [${ctx.dims(n).join(', ')}] differs from input_ids [${d.join(', ')}]`);
    }
    if (posIds) {
      const p = ctx.dims(posIds);
      if (p.length !== 2 || (p[0] !== 1 && p[0] !== d[0]) || p[1] !== d[1]) return refuse('unsupported', `EmbedLayerNormalization position_ids of dims [${p.join(', ')}] (want [1 or ${d[0]}, ${d[1]}])`);
    }
    return undefined;
  },
  convert(node, ctx) {
    const [ids, segIds, word, pos, segEmb, gamma, beta, mask, posIds] = node.inputs;
    const [y, maskIndex, embSum] = node.outputs;
    const [B, S] = ctx.shape(ids);
    const H = ctx.constant(word)!.dims[1];
    const e = new Emitter(ctx, node);
    const lookup = (table: string, indices: number, rows: number) => e.op('GATHER', [ctx.inputOnnx(table), indices], [rows, S, H], 'FLOAT32', { axis: 0, batchDims: 0 });
    // The last ADD writes embedding_sum when the graph asks for it.
    const sumOut = embSum ? ctx.output(embSum, [0, 1, 2]) : undefined;
    const positions = posIds ? lookup(pos, ctx.inputOnnx(posIds), ctx.dims(posIds)[0])
      : ctx.constFloat32(toFloat32(ctx.constant(pos)!).subarray(0, S * H), [1, S, H], `${node.name}/positions`);
    let sum = e.bin('ADD', lookup(word, ctx.inputOnnx(ids), B), positions, segIds ? undefined : sumOut);
    if (segIds) sum = e.bin('ADD', sum, lookup(segEmb, ctx.inputOnnx(segIds), B), sumOut);
    const m = moments(e, sum, [2]);
    const inv = e.un('RSQRT', e.bin('ADD', m.variance, e.scalar(attrFloat(node, 'epsilon', 1e-12))));
    const out = ctx.output(y, [0, 1, 2]);
    e.bin('ADD', e.bin('MUL', e.bin('MUL', m.centered, inv), ctx.inputOnnx(gamma)), ctx.inputOnnx(beta), out);
    if (maskIndex && (ctx.readersOf(maskIndex).length > 0 || ctx.graph.outputs.some((o) => o.name === maskIndex))) {
      // Without a mask onnxruntime writes zeros: counted here on ids·0 (no value equals 1).
      const src = mask ? ctx.inputOnnx(mask) : e.bin('MUL', ctx.inputOnnx(ids), e.scalar(0, 'INT32'));
      const ones = e.cast(e.bin('EQUAL', src, e.scalar(1, 'INT32')), 'INT32');
      e.reduce('SUM', ones, [1], false, ctx.output(maskIndex, [0]));
    }
  },
};
export default EmbedLayerNormalization;

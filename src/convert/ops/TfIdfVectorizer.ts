// ONNX TfIdfVectorizer of integer tokens ([C] or [N, C], static) → TFLite comparisons against the pool, as
// onnxruntime counts: for each n-gram length n in [min_gram_length, max_gram_length] and each skip distance d (1 to
// max_skip_count + 1; unigrams once, at d = 1), the windows at i, i + d, ..., i + (n − 1)·d are GATHERed ([N, W, n],
// constant positions), compared with the pool's n-grams ([P, n]) and a window matches when every token does
// (REDUCE_MIN); the matches summed over windows and skips are each pool n-gram's count. mode TF keeps the counts, IDF
// gives the weight where the count is non-zero, TFIDF multiplies them; a constant [P, out] one-hot FULLY_CONNECTED
// puts each pool n-gram at its ngram_indexes column. String tokens (pool_strings) are refused.
import { attrFloats, attrInt, attrInts, attrString } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';
import { identity } from '../layout';

/** Most [N, W, P, n] comparison cells one n-gram length and skip may build. */
const CELLS_MAX = 1 << 22;

const TfIdfVectorizer: OpConverter = {
  op: 'TfIdfVectorizer', emits: ['RESHAPE', 'GATHER', 'EQUAL', 'CAST', 'REDUCE_MIN', 'SUM', 'ADD', 'CONCATENATION', 'MUL', 'GREATER', 'FULLY_CONNECTED'],
  opset: [9, MAX_OPSET], inputs: [1, 1], dtypes: ['int32', 'int64'], layout: 'onnx', int8: false, micro: false,
  check(node, ctx) {
    if (!attrInts(node, 'pool_int64s')) return refuse('dtype', 'TfIdfVectorizer of string tokens (pool_strings) is not supported: TFLite has no string comparison');
    const dims = ctx.dims(node.inputs[0]);
    if (dims.length < 1 || dims.length > 2) return refuse('rank', 'TfIdfVectorizer takes [C] or [N, C] tokens');
    if (dims.some((d) => d < 0)) return refuse('dynamic-shape', 'TfIdfVectorizer of tokens sized at run time is not supported; fix the dims with --input-shape');
    const mode = attrString(node, 'mode', 'TF');
    if (!['TF', 'IDF', 'TFIDF'].includes(mode)) return refuse('attribute', `TfIdfVectorizer with mode=${mode} is not supported`);
    const c = dims[dims.length - 1]!;
    const pool = attrInts(node, 'pool_int64s')!.length;
    if (dims.reduce((a, b) => a * b, 1) * c * pool > CELLS_MAX * 4) return refuse('unsupported', `TfIdfVectorizer compares every window with the pool: ${c} tokens × ${pool} pool values is too many`);
    return undefined;
  },
  convert(node, ctx) {
    const dims = ctx.dims(node.inputs[0]);
    const C = dims[dims.length - 1]!;
    const B = dims.length === 2 ? dims[0]! : 1;
    const pool = attrInts(node, 'pool_int64s')!;
    const counts = attrInts(node, 'ngram_counts') ?? [0];
    const indexes = attrInts(node, 'ngram_indexes') ?? [];
    const [minN, maxN, maxSkip] = [attrInt(node, 'min_gram_length', 1), attrInt(node, 'max_gram_length', 1), attrInt(node, 'max_skip_count', 0)];
    const mode = attrString(node, 'mode', 'TF');
    const out = indexes.length ? Math.max(...indexes) + 1 : 0;
    const e = new Emitter(ctx, node);
    const i32 = (v: number[], what: string, shape: number[]) => ctx.constInt32(v, `${node.name}/${what}`, shape);
    let x = e.reshape(ctx.inputOnnx(node.inputs[0]), [B, C]);
    if (e.type(x) !== 'INT32') x = e.cast(x, 'INT32');
    // Per pool n-gram length (ngram_counts[n − 1] is where the n-grams start): its float counts [B, P_n].
    const parts: number[] = [];
    for (let n = 1; n <= counts.length; n++) {
      const start = counts[n - 1]!;
      const end = n < counts.length ? counts[n]! : pool.length;
      const P = (end - start) / n;
      if (P <= 0) continue;
      let total: number | undefined;
      const skips = n === 1 ? [1] : Array.from({ length: maxSkip + 1 }, (_, s) => s + 1);
      for (const d of n >= minN && n <= maxN ? skips : []) {
        const W = C - (n - 1) * d;
        if (W <= 0) continue;
        const pos = Array.from({ length: W * n }, (_, k) => Math.floor(k / n) + (k % n) * d);
        const win = e.reshape(e.op('GATHER', [x, i32(pos, `pos${n}_${d}`, [W, n])], [B, W, n], 'INT32', { axis: 1, batchDims: 0 }), [B, W, 1, n]);
        const grams = i32(pool.slice(start, end), `pool${n}`, [1, 1, P, n]);
        const all = e.reduce('REDUCE_MIN', e.cast(e.bin('EQUAL', win, grams), 'INT32'), [3], false);
        const hits = e.reduce('SUM', all, [1], false);
        total = total === undefined ? hits : e.bin('ADD', total, hits);
      }
      parts.push(total === undefined ? ctx.constFloat32(new Float32Array(B * P), [B, P], `${node.name}/none${n}`) : e.cast(total, 'FLOAT32'));
    }
    const grams = indexes.length;
    let tf = parts.length === 1 ? parts[0]! : e.op('CONCATENATION', parts, [B, grams], 'FLOAT32', { axis: 1, fusedActivationFunction: 'NONE' });
    const weights = attrFloats(node, 'weights') ?? new Array<number>(grams).fill(1);
    const w = ctx.constFloat32(Float32Array.from(weights), [1, grams], `${node.name}/weights`);
    if (mode === 'IDF') tf = e.bin('MUL', e.cast(e.bin('GREATER', tf, e.scalar(0)), 'FLOAT32'), w);
    else if (mode === 'TFIDF') tf = e.bin('MUL', tf, w);
    const place = new Float32Array(out * grams);
    indexes.forEach((o, g) => { place[o * grams + g] = 1; });
    const y = ctx.output(node.outputs[0], identity(dims.length));
    const fc = e.op('FULLY_CONNECTED', [tf, ctx.constFloat32(place, [out, grams], `${node.name}/place`), -1], [B, out], 'FLOAT32',
      { fusedActivationFunction: 'NONE', weightsFormat: 'DEFAULT' }, dims.length === 2 ? y : undefined);
    if (dims.length === 1) e.reshape(fc, [out], y);
  },
};
export default TfIdfVectorizer;

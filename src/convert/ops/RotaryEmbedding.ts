// com.microsoft RotaryEmbedding (rotary position embeddings, as onnxruntime's LLaMA / Phi / GPT-NeoX fusions write
// them before MultiHeadAttention): cos and sin rows looked up by position (GATHER; a constant start position folds
// to constant rows), each head's two halves (or interleaved pairs) rotated: x1·cos − x2·sin, x2·cos + x1·sin, by
// SPLIT, MUL, SUB, ADD, CONCATENATION on the input in heads. Input [B, S, N·h] or [B, N, S, h]. Partial rotary
// (rotary_embedding_dim below the head size), packed batching and a scale other than 1 are refused with one line.
import { toFloat32, toNumbers } from '../../ir/tensor';
import { attrFloat, attrInt } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';
import { rotate } from './_rotary';

const RotaryEmbedding: OpConverter = {
  op: 'RotaryEmbedding', domain: 'com.microsoft',
  emits: ['GATHER', 'ADD', 'RESHAPE', 'SPLIT', 'MUL', 'SUB', 'CONCATENATION'], incidental: ['GATHER'] /* cos/sin rows by int32 positions */,
  opset: [1, MAX_OPSET], inputs: [4, 4], dtypes: ['float32'], int8: false, micro: false, layout: 'onnx',
  check(node, ctx) {
    const [x, pos, cos, sin] = node.inputs;
    if (attrInt(node, 'is_packed_batching', 0)) return refuse('attribute', 'RotaryEmbedding with is_packed_batching=1 is not supported');
    if (attrFloat(node, 'scale', 1) !== 1) return refuse('attribute', 'RotaryEmbedding with a scale other than 1 is not supported');
    if (!ctx.isConstant(cos) || !ctx.isConstant(sin)) return refuse('computed-input', 'RotaryEmbedding with computed cos / sin caches is not supported');
    const d = ctx.dims(x);
    if (d.some((v) => v < 0)) return refuse('dynamic-shape', `RotaryEmbedding on input of dynamic dims [${d.join(', ')}]; fix the model inputs' dims with --input-shape`);
    if (d.length !== 3 && d.length !== 4) return refuse('rank', `RotaryEmbedding on a rank-${d.length} input is not supported (3-D or 4-D)`);
    const half = ctx.constant(cos)!.dims[1];
    const h = d.length === 4 ? d[3] : 2 * half;
    const rot = attrInt(node, 'rotary_embedding_dim', 0);
    if ((rot && rot !== h) || 2 * half !== h || (d.length === 3 && d[2] % h !== 0)) {
      return refuse('unsupported', `RotaryEmbedding over ${2 * half} of head size ${h}${rot ? ` (rotary_embedding_dim ${rot})` : ''} is not supported (partial rotary)`);
    }
    const p = ctx.dims(pos);
    const S = d.length === 4 ? d[2] : d[1];
    if (!(p.length === 1 && p[0] === 1) && !(p.length === 2 && p[0] === d[0] && p[1] === S)) return refuse('unsupported', `RotaryEmbedding position_ids of dims [${p.join(', ')}] (want [1] or [${d[0]}, ${S}])`);
    return undefined;
  },
  convert(node, ctx) {
    const [x, pos, cosName, sinName] = node.inputs;
    const d = ctx.shape(x);
    const four = d.length === 4;
    const cos = ctx.constant(cosName)!;
    const half = cos.dims[1];
    const h = 2 * half;
    const [B, S] = [d[0], four ? d[2] : d[1]];
    const N = four ? d[1] : d[2] / h;
    const interleaved = attrInt(node, 'interleaved', 0) === 1;
    const e = new Emitter(ctx, node);
    // cos / sin rows [B or 1, S, half] for the positions (a start offset [1] gives positions start..start+S-1).
    const pd = ctx.dims(pos);
    const c = ctx.constant(pos);
    const rows = (name: string): number => {
      const table = ctx.constant(name)!;
      if (c && pd.length === 1) {
        const start = toNumbers(c)[0];
        return ctx.constFloat32(toFloat32(table).subarray(start * half, (start + S) * half), [1, S, half], `${node.name}/${name}_rows`);
      }
      let idx = ctx.inputOnnx(pos);
      let rowsB = pd[0];
      if (pd.length === 1) {
        idx = e.bin('ADD', e.reshape(idx, [1, 1]), ctx.constInt32(Array.from({ length: S }, (_, s) => s), `${node.name}/steps`, [1, S]));
        rowsB = 1;
      }
      return e.op('GATHER', [ctx.inputOnnx(name), idx], [rowsB, S, half], 'FLOAT32', { axis: 0, batchDims: 0 });
    };
    const [cr, sr] = [rows(cosName), rows(sinName)];
    const rb = ctx.tensors[cr].shape[0];
    // x in heads: [B, S, N, h] (3-D input) or [B, N, S, h]; each half (or the pairs' parts) [.., half, 1] when interleaved.
    const heads = four ? [B, N, S] : [B, S, N];
    const trig = (t: number) => e.reshape(t, four ? [rb, 1, S, half, ...(interleaved ? [1] : [])] : [rb, S, 1, half, ...(interleaved ? [1] : [])]);
    const [cosB, sinB] = [trig(cr), trig(sr)];
    const xs = e.reshape(ctx.inputOnnx(x), [...heads, h]);
    const joined = rotate(e, xs, heads, half, interleaved, cosB, sinB);
    e.reshape(joined, d, ctx.output(node.outputs[0], d.map((_, i) => i)));
  },
};
export default RotaryEmbedding;

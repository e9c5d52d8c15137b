// ONNX RotaryEmbedding (opset 23, the ONNX domain; inputs X, cos_cache, sin_cache, position_ids — not com.microsoft's
// order): X [B, N, S, h] or [B, S, N·h] (num_heads), the first rotary_embedding_dim of each head rotated (halves or
// interleaved pairs, ops/_rotary.ts), the rest passed through. cos / sin rows: [B, S, rot / 2] as given (constant or
// computed at run time, as torch computes them from positions), or [max_pos, rot / 2] tables looked up by position_ids
// (GATHER; constant tables and positions fold to constant rows).
import { toFloat32, toNumbers } from '../../ir/tensor';
import { attrInt } from '../attrs';
import { identity } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';
import { rotate } from './_rotary';

const OnnxRotaryEmbedding: OpConverter = {
  op: 'RotaryEmbedding',
  emits: ['GATHER', 'RESHAPE', 'SPLIT', 'SPLIT_V', 'MUL', 'SUB', 'ADD', 'CONCATENATION'], incidental: ['GATHER'] /* cos/sin rows by positions */,
  opset: [23, MAX_OPSET], inputs: [3, 4], dtypes: ['float32'], int8: false, micro: false, layout: 'onnx',
  check(node, ctx) {
    const [x, cos, sin, pos] = node.inputs;
    const d = ctx.dims(x);
    if (d.length !== 3 && d.length !== 4) return refuse('rank', `RotaryEmbedding on a rank-${d.length} input is not supported (3-D or 4-D)`);
    const all = [x, cos, sin, pos].filter((n) => n).map((n) => ctx.dims(n));
    if (all.some((s) => s.some((v) => v < 0))) return refuse('dynamic-shape', `RotaryEmbedding on inputs of dynamic dims; fix the model inputs' dims with --input-shape`);
    const N = d.length === 4 ? d[1] : attrInt(node, 'num_heads', 0);
    const [B, S] = d.length === 4 ? [d[0], d[2]] : [d[0], d[1]];
    const h = d.length === 4 ? d[3] : N > 0 ? d[2] / N : 0;
    const rot = attrInt(node, 'rotary_embedding_dim', 0) || h;
    if (!(N > 0) || !Number.isInteger(h) || h % 2 !== 0 || rot % 2 !== 0 || rot > h) {
      return refuse('unsupported', `RotaryEmbedding on [${d.join(', ')}] with ${N} heads and rotary_embedding_dim ${rot} is not supported (num_heads for a 3-D input, an even head size)`);
    }
    const [cd, sd] = [ctx.dims(cos), ctx.dims(sin)];
    const want = pos ? `[max_position, ${rot / 2}]` : `[${B}, ${S}, ${rot / 2}]`;
    const ok = (c: number[]) => (pos ? c.length === 2 && c[1] === rot / 2 : c.length === 3 && c[0] === B && c[1] === S && c[2] === rot / 2);
    if (!ok(cd) || !ok(sd)) return refuse('unsupported', `RotaryEmbedding cos / sin caches [${cd.join(', ')}] / [${sd.join(', ')}] are not ${want}`);
    if (pos) {
      const p = ctx.dims(pos);
      if (p.length !== 2 || p[0] !== B || p[1] !== S) return refuse('unsupported', `RotaryEmbedding position_ids of dims [${p.join(', ')}] (want [${B}, ${S}])`);
    }
    return undefined;
  },
  convert(node, ctx) {
    const [x, cosName, sinName, pos] = node.inputs;
    const d = ctx.shape(x);
    const four = d.length === 4;
    const [B, S] = four ? [d[0], d[2]] : [d[0], d[1]];
    const N = four ? d[1] : attrInt(node, 'num_heads', 0);
    const h = four ? d[3] : d[2] / N;
    const rot = attrInt(node, 'rotary_embedding_dim', 0) || h;
    const half = rot / 2;
    const interleaved = attrInt(node, 'interleaved', 0) === 1;
    const e = new Emitter(ctx, node);
    const posK = pos ? ctx.constant(pos) : undefined;
    /** cos / sin rows [B, S, half]. */
    const rows = (name: string): number => {
      if (!pos) return ctx.inputOnnx(name);
      const table = ctx.constant(name);
      if (table && posK) {
        const t = toFloat32(table);
        const p = toNumbers(posK);
        const v = new Float32Array(B * S * half);
        p.forEach((r, i) => v.set(t.subarray(r * half, (r + 1) * half), i * half));
        return ctx.constFloat32(v, [B, S, half], `${node.name}/${name}_rows`);
      }
      return e.op('GATHER', [ctx.inputOnnx(name), ctx.inputOnnx(pos)], [B, S, half], 'FLOAT32', { axis: 0, batchDims: 0 });
    };
    const heads = four ? [B, N, S] : [B, S, N];
    const trig = (t: number) => e.reshape(t, four ? [B, 1, S, half, ...(interleaved ? [1] : [])] : [B, S, 1, half, ...(interleaved ? [1] : [])]);
    const [cosB, sinB] = [trig(rows(cosName)), trig(rows(sinName))];
    const xs = e.reshape(ctx.inputOnnx(x), [...heads, h]);
    const out = ctx.output(node.outputs[0], identity(d.length));
    if (rot === h) {
      e.reshape(rotate(e, xs, heads, half, interleaved, cosB, sinB), d, out);
      return;
    }
    const parts = [rot, h - rot].map((w) => ctx.temp([...heads, w], 'FLOAT32', `${node.outputs[0]}__rot_part${w}_${ctx.tensors.length}`));
    ctx.emit('SPLIT_V', [xs, ctx.constInt32([rot, h - rot], `${node.name}/rot_sizes`), e.scalar(3, 'INT32')], parts, { numSplits: 2 });
    const turned = rotate(e, parts[0], heads, half, interleaved, cosB, sinB);
    const joined = e.op('CONCATENATION', [turned, parts[1]], [...heads, h], 'FLOAT32', { axis: 3, fusedActivationFunction: 'NONE' });
    e.reshape(joined, d, out);
  },
};
export default OnnxRotaryEmbedding;

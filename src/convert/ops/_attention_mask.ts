// The additive attention bias of onnxruntime's com.microsoft attention ops, as its CPU kernel builds it
// (attention_helper.h PrepareMask): every key a mask drops gets mask_filter_value added to its score; a causal
// (unidirectional) mask sets the keys after each query (past keys stay visible) to float's lowest value.
// Mask forms: [B] end positions (right padding), [2B] end then start positions (left padding), a raw [B, T] or
// [B, S, T] mask (0 drops, > 0 keeps). The result broadcasts against scores [B, N, S, T].
import type { ConvertContext } from '../context';
import type { Emitter } from './_emit';

/** What the converter knows about the mask input: its ONNX dims, with B, S (queries) and T (keys, past included). */
export interface MaskSpec {
  dims: number[];
  B: number;
  S: number;
  T: number;
}

/** The mask forms onnxruntime's CPU kernel runs, or why a form is refused. */
export function maskFormRefusal(m: MaskSpec): string | undefined {
  const { dims, B, S, T } = m;
  if (dims.length === 1 && (dims[0] === B || dims[0] === 2 * B)) return undefined;
  if (dims.length === 2 && dims[0] === B && dims[1] === T) return undefined;
  if (dims.length === 3 && dims[0] === B && dims[1] === S && dims[2] === T) return undefined;
  if (dims.length === 1 && dims[0] === 3 * B + 2) return 'a mask_index of 3·batch + 2 values (packed sequence offsets, run by onnxruntime on CUDA only) is not supported';
  if (dims.length === 4) return `a 4-D mask_index [${dims.join(', ')}] (Megatron GPT-2's, which onnxruntime's CPU kernel refuses too) is not supported`;
  return `mask_index of dims [${dims.join(', ')}] is not one of [${B}], [${2 * B}], [${B}, ${T}] or [${B}, ${S}, ${T}] (batch ${B}, sequence ${S}, total ${T})`;
}

/** float32's lowest value: what onnxruntime sets on the keys a causal mask hides. */
const LOWEST = -3.4028234663852886e38;

/** The [S, T] causal bias (0 where key t ≤ past + s, lowest after), as a constant; undefined when nothing is hidden. */
export function causalBias(ctx: ConvertContext, S: number, T: number, name: string): number | undefined {
  const past = T - S;
  if (S <= 1) return undefined;
  const v = new Float32Array(S * T);
  for (let s = 0; s < S; s++) for (let t = past + s + 1; t < T; t++) v[s * T + t] = LOWEST;
  return ctx.constFloat32(v, [1, 1, S, T], name);
}

/** The padding bias [B, 1, 1, T] (or [B, 1, S, T] for a 3-D mask) from the int32 mask tensor `mask`. */
export function paddingBias(e: Emitter, mask: number, m: MaskSpec, filter: number): number {
  const { ctx } = e;
  const { dims, B, S, T } = m;
  let dropped: number;
  if (dims.length === 1) {
    const keys = ctx.constInt32(Array.from({ length: T }, (_, t) => t), `${e.node.name}/key_positions`, [1, T]);
    if (dims[0] === B) {
      dropped = e.bin('GREATER_EQUAL', keys, e.reshape(mask, [B, 1]));
    } else {
      // End positions then start positions: a key is dropped at or after its row's end, or before its start.
      const halves = [0, 1].map(() => ctx.temp([B], 'INT32', `${e.node.outputs[0]}__mask_half`));
      ctx.emit('SPLIT', [e.scalar(0, 'INT32'), mask], halves, { numSplits: 2 });
      const late = e.bin('GREATER_EQUAL', keys, e.reshape(halves[0], [B, 1]));
      const early = e.bin('LESS', keys, e.reshape(halves[1], [B, 1]));
      dropped = e.bin('LOGICAL_OR', late, early);
    }
  } else {
    dropped = e.bin('LESS_EQUAL', mask, e.scalar(0, 'INT32'));
  }
  const bias = e.select(dropped, e.scalar(filter), e.scalar(0));
  return e.reshape(bias, dims.length === 3 ? [B, 1, S, T] : [B, 1, 1, T]);
}

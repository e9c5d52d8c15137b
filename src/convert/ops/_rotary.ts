// The rotation of rotary position embeddings (RoPE) shared by com.microsoft RotaryEmbedding and GroupQueryAttention's
// do_rotary: each head's two halves (or interleaved pairs) x1, x2 become x1·cos − x2·sin, x2·cos + x1·sin, by SPLIT,
// MUL, SUB, ADD, CONCATENATION; cos / sin rows broadcast against the heads.
import type { Emitter } from './_emit';

/**
 * `x` [...lead, 2·half] rotated by `cos` / `sin` (broadcastable to [...lead, half]; for interleaved pairs to
 * [...lead, half, 1]) → a tensor [...lead, 2·half].
 */
export function rotate(e: Emitter, x: number, lead: number[], half: number, interleaved: boolean, cos: number, sin: number): number {
  const { ctx } = e;
  const partShape = interleaved ? [...lead, half, 1] : [...lead, half];
  const xs = interleaved ? e.reshape(x, [...lead, half, 2]) : x;
  const parts = [0, 1].map((j) => ctx.temp(partShape, 'FLOAT32', `${e.node.outputs[0]}__rot_half${j}_${ctx.tensors.length}`));
  ctx.emit('SPLIT', [e.scalar(partShape.length - 1, 'INT32'), xs], parts, { numSplits: 2 });
  const [x1, x2] = parts;
  const o1 = e.bin('SUB', e.bin('MUL', x1, cos), e.bin('MUL', x2, sin));
  const o2 = e.bin('ADD', e.bin('MUL', x2, cos), e.bin('MUL', x1, sin));
  const joined = e.op('CONCATENATION', [o1, o2], interleaved ? [...lead, half, 2] : [...lead, 2 * half], 'FLOAT32', { axis: partShape.length - 1, fusedActivationFunction: 'NONE' });
  return interleaved ? e.reshape(joined, [...lead, 2 * half]) : joined;
}

// com.microsoft MatMulNBits (onnxruntime's block-wise weight-only quantization: MatMul4BitsQuantizer, onnxruntime-genai's
// int4 LLMs): Y = A × W + bias, W [K, N] stored column by column in blocks of `block_size` rows, `bits` (4 or 8) per
// value, one float scale and an optional packed uint8 zero point (default 2^(bits-1)) per block. The weights are
// dequantized here into a float32 constant (onnxruntime computes in float32 too at accuracy_level 0) and the MatMul
// converter writes a FULLY_CONNECTED; then ADD of the bias.
import { makeTensor, toNumbers } from '../../ir/tensor';
import type { Node } from '../../ir/types';
import { attrInt } from '../attrs';
import type { ConvertContext } from '../context';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import Add from './Add';
import MatMul from './MatMul';

/** W [K, N] as float32 from B [N, blocks, blob] (low bits first), scales [N·blocks] and packed zero points. */
function floatWeights(ctx: ConvertContext, node: Node): string {
  const [, b, s, z] = node.inputs;
  const [K, N, bits, bs] = [attrInt(node, 'K', 0), attrInt(node, 'N', 0), attrInt(node, 'bits', 4), attrInt(node, 'block_size', 0)];
  const blocks = Math.ceil(K / bs);
  const blob = (bs * bits) / 8;
  const q = toNumbers(ctx.constant(b)!);
  const sc = toNumbers(ctx.constant(s)!);
  const zq = z ? toNumbers(ctx.constant(z)!) : undefined;
  const zpPerCol = Math.ceil((blocks * bits) / 8);
  const mask = (1 << bits) - 1;
  const w = new Float32Array(K * N);
  for (let n = 0; n < N; n++) for (let blk = 0; blk < blocks; blk++) {
    const zp = zq ? (zq[n * zpPerCol + ((blk * bits) >> 3)] >> ((blk * bits) & 7)) & mask : 1 << (bits - 1);
    const scale = sc[n * blocks + blk];
    for (let i = 0; i < bs && blk * bs + i < K; i++) {
      const bit = i * bits;
      const v = (q[(n * blocks + blk) * blob + (bit >> 3)] >> (bit & 7)) & mask;
      w[(blk * bs + i) * N + n] = (v - zp) * scale;
    }
  }
  const key = `${node.name}/${b}__float`;
  ctx.constants.set(key, makeTensor(key, 'float32', [K, N], w));
  return key;
}

const MatMulNBits: OpConverter = {
  op: 'MatMulNBits', domain: 'com.microsoft', emits: [...new Set([...MatMul.emits, ...Add.emits])], opset: [1, MAX_OPSET], inputs: [3, 6],
  dtypes: ['float32'], micro: false, layout: MatMul.layout,
  check(node, ctx) {
    const [, b, s, z, g] = node.inputs;
    const bits = attrInt(node, 'bits', 4);
    const bs = attrInt(node, 'block_size', 0);
    if (bits !== 4 && bits !== 8) return refuse('attribute', `MatMulNBits with bits=${bits} is not supported (4 or 8)`);
    if (bs < 16 || (bs & (bs - 1)) !== 0) return refuse('attribute', `MatMulNBits with block_size=${bs} is not supported (a power of 2, at least 16)`);
    if (![b, s, z].every((t) => !t || ctx.isConstant(t))) return refuse('computed-input', 'MatMulNBits with computed weights, scales or zero points is not supported');
    if (z && ctx.dtype(z) !== 'uint8') return refuse('dtype', `MatMulNBits with ${ctx.dtype(z)} zero points is not supported (packed uint8 only)`);
    if (g) return refuse('unsupported', 'MatMulNBits with g_idx (act-order) is not supported');
    if (ctx.rank(node.inputs[0]) < 2) return refuse('rank', 'MatMulNBits with a 1-D input is not supported; reshape it to 2-D');
    return undefined;
  },
  convert(node, ctx) {
    const bias = node.inputs[5];
    const y = node.outputs[0];
    const mm = bias ? `${node.name}/${y}__matmul` : y;
    if (bias) ctx.declare(mm, 'float32', ctx.shape(y));
    MatMul.convert({ ...node, opType: 'MatMul', domain: '', attrs: new Map(), inputs: [node.inputs[0], floatWeights(ctx, node)], outputs: [mm] }, ctx);
    if (bias) Add.convert({ ...node, opType: 'Add', domain: '', attrs: new Map(), inputs: [mm, bias], outputs: [y] }, ctx);
  },
};
export default MatMulNBits;

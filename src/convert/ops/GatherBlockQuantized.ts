// com.microsoft GatherBlockQuantized (onnxruntime-genai's int4 embedding tables): rows of a 4-bit table (uint8 holding
// two values a byte, low nibble first, or int4 / uint4), each block of `block_size` values along the last axis with
// its own scale and optional zero point (default 8 for uint8-packed data, 0 for int4 / uint4), gathered along axis 0.
// The table is dequantized here into a float32 constant and Gather's converter writes the GATHER.
import { makeTensor, toNumbers } from '../../ir/tensor';
import type { Node } from '../../ir/types';
import { attrInt } from '../attrs';
import type { ConvertContext } from '../context';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import Gather from './Gather';

/** The 4-bit values of a packed uint8 tensor (two a byte, low nibble first) or an int4 / uint4 one, in order. */
function nibbles(ctx: ConvertContext, name: string): number[] {
  const t = ctx.constant(name)!;
  const v = toNumbers(t);
  if (t.dtype !== 'uint8') return v;
  const out: number[] = [];
  for (const b of v) out.push(b & 15, b >> 4);
  return out;
}

function floatTable(ctx: ConvertContext, node: Node): { key: string; dims: number[] } {
  const [data, , s, z] = node.inputs;
  const d = ctx.constant(data)!;
  const packed = d.dtype === 'uint8';
  const dims = packed ? [...d.dims.slice(0, -1), d.dims[d.dims.length - 1] * 2] : [...d.dims];
  const cols = dims[dims.length - 1];
  const bs = attrInt(node, 'block_size', 128);
  const blocks = Math.ceil(cols / bs);
  const q = nibbles(ctx, data);
  const sc = toNumbers(ctx.constant(s)!);
  const zp = z ? nibbles(ctx, z) : undefined;
  const dflt = packed ? 8 : 0;
  const w = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) {
    const blk = Math.floor(i / cols) * blocks + Math.floor((i % cols) / bs);
    w[i] = (q[i] - (zp ? zp[blk] : dflt)) * sc[blk];
  }
  const key = `${node.name}/${data}__float`;
  ctx.constants.set(key, makeTensor(key, 'float32', dims, w));
  return { key, dims };
}

const GatherBlockQuantized: OpConverter = {
  op: 'GatherBlockQuantized', domain: 'com.microsoft', emits: Gather.emits, opset: [1, MAX_OPSET], inputs: [3, 4],
  dtypes: ['uint8', 'int4', 'uint4'], micro: false, layout: 'onnx',
  check(node, ctx) {
    const [data, , s, z] = node.inputs;
    if (![data, s, z].every((t) => !t || ctx.isConstant(t))) return refuse('computed-input', 'GatherBlockQuantized with a computed table, scales or zero points is not supported');
    const rank = ctx.constant(data)!.dims.length;
    if (attrInt(node, 'gather_axis', 0) !== 0 || ((attrInt(node, 'quantize_axis', 1) + rank) % rank) !== rank - 1) {
      return refuse('attribute', 'GatherBlockQuantized is supported with gather_axis 0 and quantize_axis the last axis');
    }
    if (ctx.dtype(data) === 'uint8' && attrInt(node, 'bits', 4) !== 4) return refuse('attribute', `GatherBlockQuantized with bits=${attrInt(node, 'bits', 4)} is not supported (4)`);
    return undefined;
  },
  convert(node, ctx) {
    const { key } = floatTable(ctx, node);
    Gather.convert({ ...node, opType: 'Gather', domain: '', attrs: new Map([['axis', { type: 'int', value: 0 }]]), inputs: [key, node.inputs[1]] }, ctx);
  },
};
export default GatherBlockQuantized;

// An int8 PADV2 whose constant is its tensors' zero point is the PAD: PAD writes the zero point into the border, so the
// bytes are the same, and LiteRT's XNNPack runs the PAD faster. Where it comes from: a MaxPool with pads after a ReLU
// (ResNet's and FastestDet's stem pool) is PADV2 of -FLT_MAX → MAX_POOL_2D (src/convert/ops/MaxPool.ts); int8 rounds
// -FLT_MAX to -128, and a ReLU's output range starts at 0, so its zero point is -128 too. FastestDet's plain int8
// [1, 176, 176, 24] alone: PADV2 0.70 ms, PAD 0.58 ms (0.80x, quartiles 0.77-0.85), with the MAX_POOL_2D after it
// 0.83 → 0.67 ms (bench/raw-runner.ts pairedRaw, LiteRT.js 2.5.3 compat, load 19; docs/model-sweep.md s27-det5). The
// int8 PADV2 alone read 1.67x its float32 twin (bench/op-pairs.ts), the int8 PAD 0.95x.
import type { TflSubgraph, TflTensor } from '../tflite/model';
import { INT8_OPS } from './int8-ops';

const perTensorInt8 = (t: TflTensor | undefined) => t?.type === 'INT8' && t.quantization?.scale.length === 1;

/** The int8 scalar a PADV2's constant holds, or undefined (not a one-element int8 constant). */
function constantValue(t: TflTensor | undefined): number | undefined {
  if (!t?.data || t.type !== 'INT8' || t.data.byteLength !== 1) return undefined;
  return new Int8Array(t.data.buffer, t.data.byteOffset, 1)[0];
}

/** Rewrites each int8 PADV2 of the zero point (input and output at one scale and zero point, the constant that zero
 *  point) as PAD; returns how many. */
export function padsOfZeroPoint(sg: TflSubgraph): number {
  const t = sg.tensors;
  let n = 0;
  for (const op of sg.operators) {
    if (op.opcode !== 'PADV2' || op.inputs.length < 3) continue;
    const x = t[op.inputs[0]];
    const y = t[op.outputs[0]];
    if (!perTensorInt8(x) || !perTensorInt8(y)) continue;
    const qx = x!.quantization!;
    const qy = y!.quantization!;
    if (qx.scale[0] !== qy.scale[0] || qx.zeroPoint[0] !== qy.zeroPoint[0]) continue;
    if (constantValue(t[op.inputs[2]]) !== qy.zeroPoint[0]) continue;
    op.opcode = 'PAD';
    op.version = INT8_OPS.PAD!.version;
    op.inputs = op.inputs.slice(0, 2);
    op.options = {};
    n++;
  }
  return n;
}

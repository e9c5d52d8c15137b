// Cheap ops between ops that have no int8 kernel stay float32 from the start of the int8 pass. int8-lone-islands.ts
// runs such a group float32 after the search (its QUANTIZE / DEQUANTIZE pairs gone, its constants float32 again),
// but the guard and the search measure the model before that, with the group in int8: chineseocr_lite's DBNet head,
// TRANSPOSE_CONV → BatchNorm (MUL, ADD with its ReLU) → TRANSPOSE_CONV, both TRANSPOSE_CONVs float32 in every int8
// model (no int8 kernel, int8-ops.ts), its BatchNorm's 24 channels on one int8 scale between them (the ReLU lost 57
// dB). The guard read plain int8 below its bar, and the search, bounded in time, found the two ops at load 2-5 and
// not at load 20-30 (s26-trained9: refused at 0.9795 with 27 ops float32; s26-lone / lead: met with these 2). Here
// the ops with no int8 kernel are known from the graph alone, so the groups islandsBetweenFloat finds between them
// (the same rule as after the search, the same compatibility marks) are float32 islands before calibration: plain
// int8 is measured as it will be written, and small constants of float ops stay float32 (weights.ts storedInt8).
import type { TflSubgraph } from '../tflite/model';
import { isFloatActivation } from './graph';
import { INT8_OPS } from './int8-ops';
import { islandsBetweenFloat } from './int8-lone-islands';

/** Ops (by index) that compute in float32 in every int8 model: no int8 kernel, a float activation out. */
export function noInt8KernelOps(sg: TflSubgraph): Set<number> {
  const out = new Set<number>();
  sg.operators.forEach((op, k) => {
    if (!INT8_OPS[op.opcode] && op.outputs.some((o) => o >= 0 && isFloatActivation(sg.tensors[o]))) out.add(k);
  });
  return out;
}

/** The groups of cheap ops (int8-lone-islands.ts ISLAND_OPS) whose run-time inputs come only from ops with no int8
 *  kernel (or model inputs) and whose values go only to such ops (or are model outputs read by nothing else). */
export function kernelIslandOps(sg: TflSubgraph): Set<number> {
  const float = noInt8KernelOps(sg);
  return float.size ? islandsBetweenFloat(sg, float) : new Set();
}

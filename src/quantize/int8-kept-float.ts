// The ops of a converted float32 model that full int8 (int8.ts) leaves float32 whatever the calibration: the
// compatibility view's int8 marks read them (src/convert/compat.ts), so that a node marked int8 is one the int8 pass
// really runs in int8 (or in a float form `onnx2lite micro` writes back as the int8 op).
import type { TflModel, TflOperator, TflSubgraph } from '../tflite/model';
import { isConst, isFloatActivation } from './graph';
import { floatIslands } from './int8-float-islands';
import { INT8_OPS } from './int8-ops';

/** Attention: a SOFTMAX whose only reader is a BATCH_MATMUL (probabilities × values), both by op index. int8's
 *  fixed SOFTMAX output step (1/256) rounds the many small weights of a long sequence to 0 (PP-OCRv4 rec: 18 dB →
 *  9 dB); the two ops cost little, so they stay float32. */
export function attentionOps(sg: TflSubgraph): Set<number> {
  const readers = new Map<number, number[]>();
  sg.operators.forEach((op, k) => { for (const i of op.inputs) if (i >= 0) readers.set(i, [...(readers.get(i) ?? []), k]); });
  const out = new Set<number>();
  sg.operators.forEach((op, k) => {
    if (op.opcode !== 'SOFTMAX') return;
    const r = readers.get(op.outputs[0]) ?? [];
    if (r.length === 1 && sg.operators[r[0]].opcode === 'BATCH_MATMUL' && !sg.outputs.includes(op.outputs[0])) { out.add(k); out.add(r[0]); }
  });
  return out;
}

/**
 * Why full int8 keeps op `op` float32, or undefined when it runs in int8 or touches no float activation: ops
 * without an int8 kernel, a FULLY_CONNECTED / conv whose weights are computed, attention's SOFTMAX and the
 * BATCH_MATMUL reading it, the float islands (int8-float-islands.ts), and every op of an IF / WHILE body (the int8
 * pass quantizes subgraph 0).
 */
export function int8KeptFloat(model: TflModel): Map<TflOperator, string> {
  const out = new Map<TflOperator, string>();
  model.subgraphs.forEach((sg, s) => {
    const t = sg.tensors;
    const attention = s === 0 ? attentionOps(sg) : new Set<number>();
    const islands = s === 0 ? floatIslands(sg) : new Map<number, string>();
    sg.operators.forEach((op, k) => {
      const touches = [...op.inputs, ...op.outputs].some((i) => i >= 0 && i < t.length && isFloatActivation(t[i]));
      if (!touches || op.opcode === 'QUANTIZE' || op.opcode === 'DEQUANTIZE') return;
      const spec = INT8_OPS[op.opcode];
      const computedWeights = spec?.weights && [1, 2].some((j) => op.inputs[j] !== undefined && op.inputs[j] >= 0 && !isConst(t[op.inputs[j]]));
      const why = s > 0 ? 'inside a control-flow body, which the int8 pass leaves float32'
        : !spec ? `no int8 kernel for ${op.opcode}`
          : computedWeights ? `${op.opcode} with computed weights`
            : attention.has(k) ? 'attention probabilities (int8\'s 1/256 step wipes out small weights)'
              : islands.has(k) ? `a float island (${islands.get(k)})` : undefined;
      if (why) out.set(op, why);
    });
  });
  return out;
}

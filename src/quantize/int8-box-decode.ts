// A detector's box decode kept float32 by the int8 pass. An SSD-style detector's box table ([.., N, 4], one box per
// prior, beside its class-row table of the same N rows: box-rows.ts boxTablesBeside) is decoded after the last layer
// from regression offsets and constant prior tables (centre + offset · variance · size, size · exp(offset ·
// variance), the corners as centre ∓ size / 2, joined into the output). The offsets are small numbers int8 holds
// well (a step of ~1/60 of a prior's size after the variance), but from the first ADD of a prior on, the tensors are
// picture coordinates: one int8 step of a [-0.5, 1.5] corner range is 1/128 of the picture, a tenth of a 32-px face at
// 320 px. Ultra-Light face detectors' int8 kept their class rows (0.99+) and lost their boxes (mean IoU on the face rows
// 0.90 against onnxruntime's, fp16 0.999: guard2). These ops are elementwise on N × 4 values, a few hundredths of the
// model's time in float, so from the box output back to the layers making the offsets (not included: their int8
// outputs are dequantized) the decode stays float32. Nothing is kept when the walk finds no arithmetic (a box table
// straight from a layer has nothing to decode).
import type { TflSubgraph } from '../tflite/model';
import { isFloatActivation, producersOf } from './graph';
import { outputTasks } from './task-signal';
import { boxTablesBeside } from './box-rows';
import { elementCount, floatData } from './params';
import { TABLE_READERS, withinFloat16 } from './weights';

/** Ops a box decode is made of: arithmetic with the priors, and data movement between them. */
const DECODE_OPS = new Set(['ADD', 'SUB', 'MUL', 'DIV', 'EXP', 'LOGISTIC', 'MAXIMUM', 'MINIMUM', 'CONCATENATION', 'PACK', 'STRIDED_SLICE',
  'SLICE', 'SPLIT', 'SPLIT_V', 'RESHAPE', 'SQUEEZE', 'EXPAND_DIMS', 'TRANSPOSE', 'GATHER']);
/** Of those, the ones that compute (a walk with none of them is data movement only). */
const ARITHMETIC = new Set(['ADD', 'SUB', 'MUL', 'DIV', 'EXP', 'LOGISTIC', 'MAXIMUM', 'MINIMUM']);
/** A table from this many values (scalars and short vectors stay float32). */
const MIN_TABLE_ELEMENTS = 16;
/** A decode longer than this is not a decode (the walk would be eating the network). */
const MAX_DECODE_OPS = 64;

/** Op indices of the box decodes of `sg`'s box tables beside a class-row table (an output read by arg-max). */
export function boxDecodeOps(sg: TflSubgraph): Set<number> {
  const tasks = outputTasks(sg);
  const classTables = new Set(sg.outputs.filter((o, j) => tasks[j]?.kind === 'argmax').map((o) => sg.tensors[o].name));
  if (!classTables.size) return new Set();
  const shapes = sg.outputs.map((o) => ({ name: sg.tensors[o].name, dims: sg.tensors[o].shape, float: isFloatActivation(sg.tensors[o]) }));
  const boxes = boxTablesBeside(shapes, classTables);
  const prod = producersOf(sg);
  const out = new Set<number>();
  for (const o of sg.outputs) {
    if (!boxes.has(sg.tensors[o].name)) continue;
    const found = new Set<number>();
    const walk = [o];
    while (walk.length && found.size <= MAX_DECODE_OPS) {
      const k = prod.get(walk.pop()!);
      if (k === undefined || found.has(k) || !DECODE_OPS.has(sg.operators[k].opcode)) continue;
      found.add(k);
      for (const i of sg.operators[k].inputs) if (i >= 0 && isFloatActivation(sg.tensors[i])) walk.push(i);
    }
    if (found.size > MAX_DECODE_OPS || ![...found].some((k) => ARITHMETIC.has(sg.operators[k].opcode))) continue;
    for (const k of found) out.add(k);
  }
  return out;
}

/** Names of the prior tables the decode ops `ops` read (float32 constants of MIN_TABLE_ELEMENTS+ elements within
 *  float16's range, read by ADD / SUB / MUL / DIV). The int8 pass stores its float ops' large constants int8 behind a
 *  DEQUANTIZE (weights.ts storedInt8): a prior table's one per-tensor step (max / 127, 1/127 of the picture for the
 *  centres) lands in every box as it is, so these are stored float16 (as --quantize dynamic stores such tables), and
 *  smaller ones too (float32 would be 4 bytes a value where the int8 ops stored one). */
export function decodeTables(sg: TflSubgraph, ops: Iterable<number>): Set<string> {
  const names = new Set<string>();
  for (const k of ops) {
    const op = sg.operators[k];
    if (!TABLE_READERS.has(op.opcode)) continue;
    for (const i of op.inputs) {
      const t = sg.tensors[i];
      if (i < 0 || !t || t.type !== 'FLOAT32' || !t.data || isFloatActivation(t)) continue;
      if (elementCount(t.shape) >= MIN_TABLE_ELEMENTS && withinFloat16(floatData(t))) names.add(t.name);
    }
  }
  return names;
}

// Writes the onnxruntime-quantizer forms (test/helpers/ort-qoperator.ts: a QOperator CNN calibrated on onnxruntime,
// an optimizer-fused dynamic MLP) as DIR/NAME.onnx with DIR/NAME.input.npy (the calibration input), for
// `onnx2lite convert` and `compare --inputs`.
// Usage: node --import tsx scripts/export/ort-qoperator.ts DIR
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeNpy } from '../../src/core/npy';
import { encodeModel } from '../../src/onnx/writer';
import { ortDynamicMlp, ortIntegerToFloat, ortQAttention, qoperatorCnn, qoperatorMoves } from '../../test/helpers/ort-qoperator';

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: ort-qoperator.ts DIR');
  for (const m of [await qoperatorCnn(), qoperatorMoves(), ortDynamicMlp(), ortIntegerToFloat(), ortQAttention()]) {
    mkdirSync(join(dir, m.name), { recursive: true });
    writeFileSync(join(dir, `${m.name}.onnx`), encodeModel(m.model));
    writeFileSync(join(dir, m.name, `${m.input.name}.npy`), encodeNpy(m.input));
    console.log(`${m.name}.onnx  ${m.note}`);
  }
}
void main();

// Writes the exporter-pattern models (test/helpers/exporter-patterns.ts: tf2onnx / keras2onnx, Model Zoo opset 7-8,
// skl2onnx, onnxruntime-optimized) and the opset-17 spectrogram front ends torch ≥ 2.0 writes
// (test/helpers/torch-stft-graphs.ts) as DIR/NAME.onnx, for scripts/check-models.ts.
// Usage: node --import tsx scripts/export/exporter-patterns.ts DIR
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeModel } from '../../src/onnx/writer';
import { exporterPatterns } from '../../test/helpers/exporter-patterns';
import { torchStftGraphs } from '../../test/helpers/torch-stft-graphs';

const dir = process.argv[2];
if (!dir) throw new Error('usage: exporter-patterns.ts DIR');
mkdirSync(dir, { recursive: true });
for (const p of [...exporterPatterns(), ...torchStftGraphs()]) {
  writeFileSync(join(dir, `${p.name}.onnx`), encodeModel(p.model));
  console.log(`${p.name}.onnx  ${p.note}`);
}

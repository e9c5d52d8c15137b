// Quantization cost per shared CNN against its float32 conversion, measured in one process: the fp16 and dynamic
// weight passes, and int8 calibration (16 samples through onnxruntime-node with the intermediate tensors as
// outputs) plus the int8 pass, whose GPTQ weight rounding (default; its own onnxruntime run for the layer inputs, H
// accumulation, rounding) and the 16x8 guard (LiteRT runs of candidate models, --int16 auto) are also shown alone,
// with the int8 pass under --weight-rounding nearest --int16 off for comparison, and the int8 phase that took longest
// (quantization.phasesMs, src/quantize/int8-phases.ts) with its share of the int8 time.
// Ratios are against the median float32 conversion (read excluded, serialize included).
import * as fs from 'node:fs';
import { decodeModel } from '../src/onnx/reader';
import { convertModel } from '../src/convert/convert';
import { serializeTflite } from '../src/tflite/writer';
import { quantizeModelBytes, type QuantMode } from '../src/quantize/file';

const dir = '../shared/models';
const models = ['squeezenet1_1', 'mnasnet0_5', 'mobilenet_v2', 'mobilenet_v3_small', 'shufflenet_v2_x1_0', 'lraspp_mobilenet_v3_large'];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;

/** The phase with the most time (convert excluded) and its share of `total`. */
function longestPhase(phases: Record<string, number>, total: number): string {
  const [name, t] = Object.entries(phases).filter(([k]) => k !== 'convert').sort((a, b) => b[1] - a[1])[0] ?? ['-', 0];
  return `${name} ${ms(t)} (${((100 * t) / Math.max(total, 1)).toFixed(0)}%)`;
}

(async () => {
  console.log('model                      float32   fp16 pass      dynamic pass   int8 calibration      int8 pass      of which GPTQ    of which 16x8 guard     int8 pass (nearest, --int16 off)  longest int8 phase');
  for (const name of models) {
    const bytes = fs.readFileSync(`${dir}/${name}.onnx`);
    const conv: number[] = [];
    for (let i = 0; i < 3; i++) {
      const m = decodeModel(bytes);
      const t = performance.now();
      serializeTflite(convertModel(m).model);
      conv.push(performance.now() - t);
    }
    const base = median(conv);
    const row: string[] = [];
    let longest = '';
    for (const mode of ['fp16', 'dynamic', 'int8'] as QuantMode[]) {
      const { summary } = await quantizeModelBytes(bytes, `${dir}/${name}.onnx`, {}, { mode });
      if (mode === 'int8') longest = longestPhase(summary.phasesMs ?? {}, summary.calibrationMs + summary.quantizeMs);
      if (mode === 'int8') row.push(`${ms(summary.calibrationMs)} (${(summary.calibrationMs / base).toFixed(1)}×)`.padEnd(22));
      row.push(`${ms(summary.quantizeMs)} (${(summary.quantizeMs / base).toFixed(2)}×)`.padEnd(15));
      if (mode === 'int8') row.push(`${ms(summary.gptqMs ?? 0)} (${summary.gptqLayers} layers)`.padEnd(16));
      if (mode === 'int8') row.push(`${ms(summary.mixedMs ?? 0)} (${summary.int16Ops} ops 16x8)`.padEnd(23));
    }
    const near = await quantizeModelBytes(bytes, `${dir}/${name}.onnx`, {}, { mode: 'int8', weightRounding: 'nearest', int16: 'off' });
    row.push(`${ms(near.summary.quantizeMs)} (${(near.summary.quantizeMs / base).toFixed(2)}×)`.padEnd(33), longest);
    console.log(`${name.padEnd(26)} ${ms(base).padEnd(9)} ${row.join(' ')}`);
  }
})().catch((e) => { console.error(e); process.exit(1); });

// Models the deploy tests send to the device, made by the converter: a shared model (../shared/models) and a tiny
// NCHW conv net built here (fast enough on Arm NN's reference backend for thousands of runs).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { convertModel } from '../../src/convert/convert';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { readModelFile } from '../../src/onnx/reader';
import { encodeModel } from '../../src/onnx/writer';
import { serializeTflite } from '../../src/tflite/writer';

export interface ModelPair { tflite: string; onnx: string }

export const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'o2l-deploy-models-'));
process.on('exit', () => fs.rmSync(workDir, { recursive: true, force: true }));

/** ../shared/models/NAME.onnx converted to a .tflite. */
export function sharedModel(name: string): ModelPair {
  const onnx = path.resolve('../shared/models', `${name}.onnx`);
  const tflite = path.join(workDir, `${name}.tflite`);
  if (!fs.existsSync(tflite)) fs.writeFileSync(tflite, serializeTflite(convertModel(readModelFile(onnx)).model));
  return { tflite, onnx };
}

/** Conv 3→4 (3×3, pad 1) + Relu on a 1×3×8×8 input, as .onnx and converted .tflite (NHWC, with metadata). */
export function tinyModel(): ModelPair {
  const onnx = path.join(workDir, 'tiny.onnx');
  const tflite = path.join(workDir, 'tiny.tflite');
  if (fs.existsSync(tflite)) return { tflite, onnx };
  const w = Array.from({ length: 4 * 3 * 3 * 3 }, (_, i) => Math.sin(i) * 0.5);
  const m = buildModel({
    inputs: [['x', 'float32', [1, 3, 8, 8]]], outputs: ['y'],
    initializers: [tensor('w', 'float32', [4, 3, 3, 3], w), tensor('b', 'float32', [4], [0.1, -0.2, 0.3, 0])],
    nodes: [node('Conv', ['x', 'w', 'b'], ['c'], { pads: [1, 1, 1, 1], kernel_shape: [3, 3] }), node('Relu', ['c'], ['y'])],
  });
  fs.writeFileSync(onnx, encodeModel(m));
  fs.writeFileSync(tflite, serializeTflite(convertModel(readModelFile(onnx)).model));
  return { tflite, onnx };
}

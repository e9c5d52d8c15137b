// Shared pieces of the compare tests: converting the shared models into a temp folder, corrupting a conv.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readModelFile } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { withProducers, type OnnxLiteMetadata } from '../../src/convert/metadata';
import type { TflModel } from '../../src/tflite/model';
import { parseTflite } from '../../src/tflite/reader';
import { serializeTflite } from '../../src/tflite/writer';

export const SHARED = '../shared/models';
export const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-compare-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

export function sharedModels(): string[] {
  return fs.readdirSync(SHARED).filter((f) => f.endsWith('.onnx')).map((f) => f.slice(0, -5)).sort();
}

export const onnxPath = (name: string) => path.join(SHARED, `${name}.onnx`);
export const inputsDir = (name: string) => path.join(SHARED, `${name}.test_data_set_0`);

/** Converts a shared model to float32 in the temp folder; returns the .tflite path. */
export function convertShared(name: string): string {
  const out = path.join(tmp, `${name}.tflite`);
  if (!fs.existsSync(out)) {
    const r = convertModel(readModelFile(onnxPath(name)), { source: `${name}.onnx` });
    fs.writeFileSync(out, serializeTflite(r.model));
  }
  return out;
}

export function metadataOf(model: TflModel): OnnxLiteMetadata {
  return JSON.parse(new TextDecoder().decode(model.metadata.get('onnx2lite')!)) as OnnxLiteMetadata;
}

/**
 * Negates the weights of the `which`-th (0-based, in operator order) CONV_2D whose output maps to an ONNX tensor;
 * writes the corrupted copy and returns it with the ONNX tensor and node that the conv's output carries.
 */
export function corruptConv(tflitePath: string, which: number, out: string): { path: string; tensor: string; node: string } {
  const model = parseTflite(fs.readFileSync(tflitePath));
  // The file's entries name no producing node: the ONNX model (a shared one, by the metadata's source) does.
  const file = metadataOf(model);
  const meta = withProducers(file, readModelFile(path.join('../shared/models', file.source)).graph);
  const sg = model.subgraphs[0]!;
  const convs = sg.operators.filter((op) => op.opcode === 'CONV_2D' && meta.tensors.some((m) => m.tflite === op.outputs[0] && m.node));
  const conv = convs[which];
  if (!conv) throw new Error(`${tflitePath} has only ${convs.length} mapped convs`);
  const w = sg.tensors[conv.inputs[1]!]!;
  const data = new Uint8Array(w.data!);
  if (w.type === 'FLOAT32') {
    const f = new Float32Array(data.buffer);
    for (let i = 0; i < f.length; i++) f[i] = -f[i]!;
  } else if (w.type === 'INT8') {
    const q = new Int8Array(data.buffer);
    for (let i = 0; i < q.length; i++) q[i] = Math.max(-127, -q[i]!);
  } else throw new Error(`conv weights are ${w.type}`);
  sg.tensors[conv.inputs[1]!] = { ...w, data };
  fs.writeFileSync(out, serializeTflite(model));
  const m = meta.tensors.find((x) => x.tflite === conv.outputs[0] && x.node)!;
  return { path: out, tensor: m.onnx, node: m.node! };
}

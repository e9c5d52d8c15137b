// Shared by the quantization tests: reference runs and the error measures the issue names.
import { FLOAT_BINARY_SUFFIX } from '../../src/quantize/int8-float-binary';
import type { Tensor } from '../../src/ir/types';
import type { TflModel } from '../../src/tflite/model';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { runOnnx } from '../../src/runtime/ort';

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return dot / Math.sqrt(na * nb);
}

/** max|a - b| / max|b|. */
export function relMaxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let md = 0;
  let mr = 0;
  for (let i = 0; i < a.length; i++) { md = Math.max(md, Math.abs(a[i] - b[i])); mr = Math.max(mr, Math.abs(b[i])); }
  return md / mr;
}

/** The float HARD_SWISH form int8 models carry (DEQUANTIZE → float HARD_SWISH → QUANTIZE, src/quantize/int8-hardswish.ts:
 *  XNNPack runs it, micro export writes the integer form back): its HARD_SWISH ops' float input and output tensors. */
export function floatHardSwishForms(model: TflModel): { ops: number; tensors: Set<number> } {
  const sg = model.subgraphs[0];
  const tensors = new Set<number>();
  let ops = 0;
  for (const o of sg.operators) {
    if (o.opcode !== 'HARD_SWISH' || sg.tensors[o.inputs[0]].type !== 'FLOAT32') continue;
    const from = sg.operators.find((p) => p.outputs.includes(o.inputs[0]));
    const readers = sg.operators.filter((p) => p.inputs.includes(o.outputs[0]));
    if (from?.opcode !== 'DEQUANTIZE' || !readers.length || readers.some((r) => r.opcode !== 'QUANTIZE')) continue;
    ops++;
    tensors.add(o.inputs[0]).add(o.outputs[0]);
  }
  return { ops, tensors };
}

/** The float form of int8 ADD / SUB / MUL outside XNNPack's scale ratios (src/quantize/int8-float-binary.ts): those
 *  ops' float inputs and outputs. */
export function floatBinaryForms(model: TflModel): Set<number> {
  const sg = model.subgraphs[0];
  const tensors = new Set<number>();
  for (const o of sg.operators) if (sg.tensors[o.outputs[0]]?.name.endsWith(FLOAT_BINARY_SUFFIX)) for (const i of [...o.inputs, ...o.outputs]) tensors.add(i);
  return tensors;
}

/** Float32 tensors computed inside the graph (neither constants nor model inputs/outputs, nor the float HARD_SWISH
 *  or ADD / SUB / MUL forms'). */
export function innerFloatActivations(model: TflModel): string[] {
  const sg = model.subgraphs[0];
  const edge = new Set([...sg.inputs, ...sg.outputs, ...floatHardSwishForms(model).tensors, ...floatBinaryForms(model)]);
  return sg.tensors.filter((t, i) => t.type === 'FLOAT32' && !t.data?.byteLength && !edge.has(i)).map((t) => t.name);
}

/** A converted model's first output on LiteRT for ONNX-shaped inputs (through the onnx2lite metadata). */
export async function runFirstOutput(model: TflModel, inputs: Tensor[]): Promise<Float32Array> {
  const s = await openConverted(serializeTflite(model));
  try {
    return [...(await s.run(inputs)).values()][0].data as Float32Array;
  } finally {
    s.close();
  }
}

export function floats(t: Tensor): Float32Array {
  return t.data as Float32Array;
}

export function rng(seed: number): () => number {
  let s = seed;
  return () => { s = (s * 1103515245 + 12345) >>> 0; return (s >>> 8) / 16777216; };
}

/** Conv 3→8 (3x3) + Relu + MaxPool + GlobalAveragePool + Flatten + Gemm → [1, 10], float. */
export function smallCnn(): Uint8Array {
  const r = rng(7);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 3, 16, 16]]], outputs: [['y', 'float32', [1, 10]]],
    initializers: [
      tensor('w1', 'float32', [8, 3, 3, 3], w(216, 0.8)), tensor('b1', 'float32', [8], w(8, 0.2)),
      tensor('w2', 'float32', [10, 8], w(80, 1)), tensor('b2', 'float32', [10], w(10, 0.2)),
    ],
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['c'], { pads: [1, 1, 1, 1] }), node('Relu', ['c'], ['r']),
      node('MaxPool', ['r'], ['p'], { kernel_shape: [2, 2], strides: [2, 2] }),
      node('GlobalAveragePool', ['p'], ['g']), node('Flatten', ['g'], ['f']),
      node('Gemm', ['f', 'w2', 'b2'], ['y'], { transB: 1 }),
    ],
  }));
}



/** A model whose int8 output collapses: a conv's output is shifted by 1e6 and back, so the int8 (and int16) step
 *  of the shifted tensor (~1e6 / 255) wipes out the conv's values; float32 keeps them (to ~0.06). */
export function collapsingModel(double = false): Uint8Array {
  return shiftedModel(false, double);
}

/** Conv (+ Relu), then shifted by 1e6 and back: int8 (and int16: step ~30) rounding of the shifted tensor wipes out
 *  the conv's values, float32 keeps them (to ~0.06); `--int16 auto` meets the guard with the ADD and SUB float32.
 *  The Relu keeps the shift out of the conv's bias. */
export function shiftedModel(relu = true, double = false): Uint8Array {
  const r = rng(11);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 3, 8, 8]]], outputs: [['y', double ? 'float64' : 'float32', [1, 4, 8, 8]]],
    initializers: [
      tensor('w1', 'float32', [4, 3, 3, 3], w(108, 2)), tensor('b1', 'float32', [4], w(4, 0.2)), tensor('big', 'float32', [1], [1e6]),
    ],
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['c'], { pads: [1, 1, 1, 1] }, 'conv'), ...(relu ? [node('Relu', ['c'], ['r'], {}, 'relu')] : []),
      node('Add', [relu ? 'r' : 'c', 'big'], ['shifted'], {}, 'shift_up'), node('Sub', ['shifted', 'big'], [double ? 'y32' : 'y'], {}, 'shift_down'),
      ...(double ? [node('Cast', ['y32'], ['y'], { to: 11 }, 'to_double')] : []),
    ],
  }));
}

/** n 1×1 convs over `channels` channels, each near the identity; channel 0 passes through unchanged, except in conv
 *  `outlier`, whose rows read it with a weight of 60 beside weights of ±0.5: per-channel int8 (step 60/127) rounds
 *  those to 0 or ±0.47 (weight-ranking.test.ts, blamed-first.test.ts). Nodes conv0 … conv{n−1}, input x, output y. */
export function outlierChain(n: number, outlier: number, seed: number, channels = 8): Uint8Array {
  const C = channels;
  const r = rng(seed);
  const inits = [];
  const nodes = [];
  for (let k = 0; k < n; k++) {
    const w = Array.from({ length: C * C }, (_, i) => {
      const [o, c] = [Math.floor(i / C), i % C];
      if (o === 0 || c === 0) return k === outlier && c === 0 && o > 0 ? 60 : o === c ? 1 : 0;
      return k === outlier ? r() - 0.5 : (o === c ? 1 : 0) + (r() - 0.5) * 0.04;
    });
    inits.push(tensor(`w${k}`, 'float32', [C, C, 1, 1], w));
    nodes.push(node('Conv', [k === 0 ? 'x' : `a${k - 1}`, `w${k}`], [k === n - 1 ? 'y' : `a${k}`], {}, `conv${k}`));
  }
  return encodeModel(buildModel({ inputs: [['x', 'float32', [1, C, 4, 4]]], outputs: [['y', 'float32', [1, C, 4, 4]]], initializers: inits, nodes }));
}

/** 40 × (Conv 4→4 3x3 + `act`) on 16x16, weights uniform in ±scale/2 (rng(3)); with `tail`, a 1x1 Conv makes the
 *  output `y` (float-prefix.test.ts, search-repeats.test.ts). Input x [1, 4, 16, 16]. */
export function convChain(act: 'Sigmoid' | 'Tanh', scale: number, tail = false): Uint8Array {
  const r = rng(3);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  const nodes = [];
  const inits = [];
  let x = 'x';
  for (let k = 0; k < 40; k++) {
    inits.push(tensor(`w${k}`, 'float32', [4, 4, 3, 3], w(144, scale)), tensor(`b${k}`, 'float32', [4], w(4, 0.1)));
    nodes.push(node('Conv', [x, `w${k}`, `b${k}`], [`c${k}`], { pads: [1, 1, 1, 1] }), node(act, [`c${k}`], [`s${k}`]));
    x = `s${k}`;
  }
  if (tail) {
    inits.push(tensor('wo', 'float32', [4, 4, 1, 1], w(16, 1)));
    nodes.push(node('Conv', [x, 'wo'], ['y']));
    x = 'y';
  }
  return encodeModel(buildModel({ inputs: [['x', 'float32', [1, 4, 16, 16]]], outputs: [[x, 'float32', [1, 4, 16, 16]]], initializers: inits, nodes }));
}

/** `onnx2lite convert ARGS...` from the built CLI (bin/onnx2lite.js): exit code, stdout, stderr. */
export function convertCli(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [path.resolve('bin/onnx2lite.js'), 'convert', ...args], { encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** SNR in dB of `got` against `ref`. */
export function snrDb(ref: Float32Array, got: Float32Array): number {
  let s = 0, n = 0;
  for (let i = 0; i < ref.length; i++) { s += ref[i] ** 2; n += (ref[i] - got[i]) ** 2; }
  return 10 * Math.log10(s / n);
}

/** Output `y`'s SNR against onnxruntime on 4 samples (`sample(500 + i)`) of two int8 models of `bytes`: with a
 *  rewrite (`on`) and without it (`off`). */
export async function onOffSnr(bytes: Uint8Array, on: TflModel, off: TflModel, sample: (seed: number) => Tensor[]): Promise<{ on: number[]; off: number[] }> {
  const [a, b] = [await openConverted(serializeTflite(on)), await openConverted(serializeTflite(off))];
  try {
    const snr = { on: [] as number[], off: [] as number[] };
    for (let i = 0; i < 4; i++) {
      const s = sample(500 + i);
      const ref = floats((await runOnnx(bytes, s)).get('y')!);
      snr.on.push(snrDb(ref, floats((await a.run(s)).get('y')!)));
      snr.off.push(snrDb(ref, floats((await b.run(s)).get('y')!)));
    }
    return snr;
  } finally {
    a.close();
    b.close();
  }
}

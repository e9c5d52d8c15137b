// Calibration samples: a folder of .npy / ONNX TensorProto .pb files (one sample each, or a batch along the first
// dim), .png / .jpg images or .wav audio (wav.ts) for single-input models; for several inputs, one subfolder per sample holding
// input_0.(pb|npy), input_1... (the layout of ONNX's test_data_set_N folders). Without a folder: seeded random data.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DType, Tensor } from '../ir/types';
import { ModelError } from '../ir/types';
import { halfToFloat, makeTensor } from '../ir/tensor';
import { readTensorFile } from '../onnx/reader';
import { decodeNpy } from '../core/npy';
import { seededUniform } from '../core/random';
import { ImageOptions, loadImage } from './image';
import { IMAGE_FILE, WAV_FILE } from './file-kinds';
import { WavOptions, loadWavWindows } from './wav';

export interface CalibrationInput {
  name: string;
  dtype: DType;
  dims: number[];
}

export interface CalibrationOptions extends ImageOptions, WavOptions {
  /** Use at most this many samples (files sorted by name). */
  count?: number;
}

const TENSOR_FILE = /\.(npy|pb)$/i;
const FLOAT: DType[] = ['float32', 'float64', 'float16'];
const INTEGER: DType[] = ['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool'];

function readTensor(file: string): Tensor {
  if (/\.npy$/i.test(file)) return decodeNpy(fs.readFileSync(file), file, `calibration file ${file}`);
  try {
    return readTensorFile(file);
  } catch (e) {
    throw new ModelError(`calibration file ${file}: ${(e as Error).message.replace(`${file} `, '')}`);
  }
}

/** Converts a file's tensor to the input's dtype and splits a batch; errors name the file. */
function samplesFrom(t: Tensor, input: CalibrationInput, file: string): Tensor[] {
  const want = input.dims;
  const isFloat = FLOAT.includes(input.dtype);
  if (isFloat ? !FLOAT.includes(t.dtype) : !INTEGER.includes(t.dtype)) {
    throw new ModelError(`calibration file ${file}: element type ${t.dtype} does not fit input "${input.name}" (${input.dtype})`);
  }
  const per = want.reduce((a, b) => a * b, 1);
  let batch: number;
  if (t.dims.length === want.length && t.dims.every((d, i) => d === want[i])) batch = 1;
  else if (t.dims.length === want.length && want[0] === 1 && t.dims.slice(1).every((d, i) => d === want[i + 1])) batch = t.dims[0];
  else if (t.dims.length === want.length - 1 && want[0] === 1 && t.dims.every((d, i) => d === want[i + 1])) batch = 1;
  else {
    throw new ModelError(`calibration file ${file}: shape [${t.dims.join(', ')}] does not match input "${input.name}" [${want.join(', ')}] (nor a batch of it)`);
  }
  const src = t.data as ArrayLike<number | bigint>;
  const out: Tensor[] = [];
  for (let b = 0; b < batch; b++) {
    const n = new Float64Array(per);
    for (let i = 0; i < per; i++) {
      const v = src[b * per + i];
      n[i] = t.dtype === 'float16' ? halfToFloat(Number(v)) : Number(v);
    }
    out.push(asInputType(input, n));
  }
  return out;
}

/** Values as the input's own element type: float32 for a float input; for an integer one its ONNX type (onnxruntime
 *  takes a uint8 image input only as uint8), rounded and clamped to that type's range. */
function asInputType(input: CalibrationInput, values: Float32Array | Float64Array): Tensor {
  if (FLOAT.includes(input.dtype)) return makeTensor(input.name, 'float32', input.dims, values);
  const [lo, hi] = INT_RANGE[input.dtype] ?? [-Infinity, Infinity];
  return makeTensor(input.name, input.dtype, input.dims, values.map((v) => Math.min(hi, Math.max(lo, Math.round(v)))));
}
const INT_RANGE: Partial<Record<DType, [number, number]>> = {
  int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767], uint16: [0, 65535], int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1], bool: [0, 1],
};

function listDir(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  } catch {
    throw new ModelError(`calibration folder ${dir} cannot be read (missing or not a folder)`);
  }
}

/** Loads calibration samples for a model's inputs (ONNX layout and order). */
export function loadCalibrationSamples(dir: string, inputs: CalibrationInput[], opts: CalibrationOptions = {}): Tensor[][] {
  const entries = listDir(dir);
  const limit = opts.count ?? Infinity;
  const samples: Tensor[][] = [];
  const subdirs = entries.filter((e) => e.isDirectory());
  const files = entries.filter((e) => e.isFile() && (TENSOR_FILE.test(e.name) || IMAGE_FILE.test(e.name) || WAV_FILE.test(e.name)));
  if (inputs.length > 1 || (files.length === 0 && subdirs.length > 0)) {
    for (const d of subdirs) {
      if (samples.length >= limit) break;
      const sub = path.join(dir, d.name);
      const names = listDir(sub).filter((e) => e.isFile() && TENSOR_FILE.test(e.name)).map((e) => e.name);
      const sample = inputs.map((inp, k) => {
        const f = names.find((n) => n.replace(TENSOR_FILE, '') === `input_${k}`) ?? names.find((n) => n.replace(TENSOR_FILE, '') === inp.name);
        if (!f) throw new ModelError(`calibration sample ${sub} has no input_${k}.pb / input_${k}.npy for input "${inp.name}"`);
        const s = samplesFrom(readTensor(path.join(sub, f)), inp, path.join(sub, f));
        if (s.length !== 1) throw new ModelError(`calibration file ${path.join(sub, f)}: a batch is only allowed for single-input models`);
        return s[0];
      });
      samples.push(sample);
    }
    if (samples.length === 0) {
      throw new ModelError(`calibration folder ${dir} has no sample subfolders with input_N.pb / input_N.npy files (the model has ${inputs.length} inputs)`);
    }
    return samples;
  }
  if (files.length === 0) throw new ModelError(`calibration folder ${dir} has no .npy, .pb, .png, .jpg or .wav files`);
  // A .wav file gives one sample per window of the input's length; the windows are taken round-robin over the files
  // (every file's first window, then every second one...), so the first samples (the guard's) and a --count
  // limit still spread over the recordings.
  const wavWindows: Tensor[][] = [];
  for (const f of files) {
    if (samples.length >= limit) break;
    const file = path.join(dir, f.name);
    if (WAV_FILE.test(f.name)) { wavWindows.push(loadWavWindows(file, inputs[0], opts)); continue; }
    const got = IMAGE_FILE.test(f.name) ? [asInputType(inputs[0], loadImage(file, inputs[0], opts).data as Float32Array)]
      : samplesFrom(readTensor(file), inputs[0], file);
    for (const s of got) if (samples.length < limit) samples.push([s]);
  }
  for (let w = 0; samples.length < limit && wavWindows.some((ws) => w < ws.length); w++) {
    for (const ws of wavWindows) if (w < ws.length && samples.length < limit) samples.push([ws[w]]);
  }
  return samples;
}

/** Seeded uniform [0, 1) samples (zeros for integer inputs). */
export function randomSamples(inputs: CalibrationInput[], count: number, seed = 1): Tensor[][] {
  const next = seededUniform(seed);
  return Array.from({ length: count }, () => inputs.map((inp) => {
    const n = inp.dims.reduce((a, b) => a * b, 1);
    if (FLOAT.includes(inp.dtype)) return { name: inp.name, dtype: 'float32' as DType, dims: [...inp.dims], data: Float32Array.from({ length: n }, next) };
    return makeTensor(inp.name, inp.dtype, inp.dims, new Float64Array(n));
  }));
}

// The inputs of a comparison, in the ONNX layout: files from --inputs (.pb TensorProtos or .npy arrays, matched to
// the ONNX inputs by name, else in file-name order; or, for a model with one image input, a .png/.jpg loaded as
// calibration loads it) or seeded random data.
// Their shapes come from the .tflite (static), through each input's metadata perm.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DType, Graph, Tensor } from '../ir/types';
import { ModelError, elementCount } from '../ir/types';
import { makeTensor, toNumbers } from '../ir/tensor';
import type { TensorMapping } from '../convert/metadata';
import { invert, permute } from '../convert/layout';
import type { TflModel } from '../tflite/model';
import { listTensorFiles, readTensorFileAny } from '../core/tensor-files';
import { fillSeededNonFloat, seededUniform } from '../core/random';
import { loadImage, type ImageOptions } from '../calibration/image';
import { IMAGE_FILE } from '../calibration/file-kinds';
import type { CompareReport } from './types';

export interface PreparedInputs {
  /** One per ONNX graph input, in graph order, named as it. */
  tensors: Tensor[];
  info: CompareReport['inputs'];
}

/** The ONNX dims of each input: the TFLite input's static shape, un-permuted. */
function onnxDims(tfl: TflModel, m: TensorMapping): number[] {
  const t = tfl.subgraphs[0]!.tensors[m.tflite]!;
  return permute(t.shape, invert(m.perm));
}

/** The tensor files of a folder in name order (input_N files only when there are any, never
 *  output_N files, as in ONNX test data folders). */
function readFolder(dir: string, wanted: { name: string; dims: number[] }[], image: ImageOptions): { file: string; t: Tensor }[] {
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new ModelError(`--inputs ${dir} is not a folder`);
  const listing = fs.readdirSync(dir).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const names = listTensorFiles(dir);
  const imageFile = listing.find((n) => IMAGE_FILE.test(n));
  if (names.length === 0 && imageFile && wanted.length === 1) {
    // As in calibration: the image resized to the input's height and width, RGB scaled to [0, 1].
    return [{ file: imageFile, t: loadImage(path.join(dir, imageFile), wanted[0]!, image) }];
  }
  if (names.length === 0 && wanted.length) throw new ModelError(`--inputs ${dir} holds no .pb or .npy input files${imageFile ? ' (an image is used only for a model with one image input)' : ''}`);
  return names.map((file) => ({ file, t: readTensorFileAny(path.join(dir, file)) }));
}

export function prepareInputs(graph: Graph, tfl: TflModel, mappings: TensorMapping[], inputsDir: string | undefined, seed: number,
  image: ImageOptions = {}): PreparedInputs {
  const wanted = graph.inputs.map((inp) => {
    const m = mappings.find((x) => x.onnx === inp.name);
    if (!m) throw new ModelError(`ONNX input "${inp.name}" has no TFLite input in this .tflite`);
    return { name: inp.name, dtype: (inp.dtype ?? graph.values.get(inp.name)?.dtype ?? 'float32') as DType, dims: onnxDims(tfl, m) };
  });
  if (!inputsDir) {
    const rnd = seededUniform(seed);
    const tensors = wanted.map((w) => {
      const n = elementCount(w.dims);
      const vals = new Float64Array(n);
      if (w.dtype.startsWith('float')) for (let i = 0; i < n; i++) vals[i] = rnd();
      else fillSeededNonFloat(w.dtype, w.dims, vals);
      return makeTensor(w.name, w.dtype, w.dims, vals);
    });
    return { tensors, info: { source: 'random', seed, tensors: wanted.map((w) => ({ name: w.name, dims: w.dims, dtype: w.dtype })) } };
  }
  const files = readFolder(inputsDir, wanted, image);
  if (files.length !== wanted.length) {
    throw new ModelError(`--inputs ${inputsDir} holds ${files.length} tensor file(s); the model has ${wanted.length} input(s) (${wanted.map((w) => w.name).join(', ')})`);
  }
  const used = new Set<number>();
  const byName = wanted.map((w) => files.findIndex((f) => f.t.name === w.name || path.parse(f.file).name === w.name));
  const picked = wanted.map((w, k) => {
    let idx = byName[k]!;
    if (idx < 0 || used.has(idx)) idx = files.findIndex((_, j) => !used.has(j) && !byName.includes(j));
    used.add(idx);
    return files[idx]!;
  });
  const tensors = wanted.map((w, k) => {
    const f = picked[k]!;
    if (elementCount(f.t.dims) !== elementCount(w.dims)) {
      throw new ModelError(`input file ${f.file} has shape [${f.t.dims.join(', ')}]; input "${w.name}" wants [${w.dims.join(', ')}]`);
    }
    const t = f.t.dtype === w.dtype ? f.t : makeTensor(w.name, w.dtype, w.dims, toNumbers(f.t));
    return { ...t, name: w.name, dims: w.dims };
  });
  return {
    tensors,
    info: { source: 'files', dir: inputsDir, tensors: wanted.map((w, k) => ({ name: w.name, dims: w.dims, dtype: w.dtype, file: picked[k]!.file })) },
  };
}

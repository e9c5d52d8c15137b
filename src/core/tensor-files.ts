// Tensor files given by the user (--inputs folders): ONNX TensorProto .pb or NumPy .npy, in name order, taking
// only the input_N files of an ONNX test-data folder (never its output_N files).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Tensor } from '../ir/types';
import { ModelError } from '../ir/types';
import { readTensorFile } from '../onnx/reader';
import { decodeNpy } from './npy';

/** One .pb or .npy file; errors name the file. The tensor is named after the file when the format has no name. */
export function readTensorFileAny(file: string): Tensor {
  if (!file.endsWith('.npy')) return readTensorFile(file);
  return decodeNpy(fs.readFileSync(file), path.basename(file, '.npy'), file);
}

/** The .pb/.npy files of a folder in natural name order (input_N files only, when there are any). */
export function listTensorFiles(dir: string): string[] {
  let names: string[];
  try { names = fs.readdirSync(dir); } catch (e) {
    throw new ModelError(`cannot read --inputs ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const all = names.filter((n) => /\.(pb|npy)$/.test(n)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const inputs = all.filter((n) => n.startsWith('input_'));
  return inputs.length ? inputs : all.filter((n) => !n.startsWith('output_'));
}

// Runs the ONNX reference model locally (onnxruntime-node, src/runtime/ort.ts) on the inputs the device gets.
import type { Tensor } from '../ir/types';
import { ModelError } from '../ir/types';
import { makeTensor, toNumbers } from '../ir/tensor';
import { readModelFile } from '../onnx/reader';
import { runOnnx } from '../runtime/ort';

/** Runs `file` on `feeds` (matched to its inputs by name, else by position, cast to the input dtypes); returns
 *  every graph output by name. */
export async function runReference(file: string, feeds: Tensor[]): Promise<Map<string, Tensor>> {
  const model = readModelFile(file);
  const named = model.graph.inputs.map((inp, i) => {
    let t = feeds.find((f) => f.name === inp.name) ?? feeds[i];
    if (!t) throw new ModelError(`--reference ${file} has input ${inp.name}, which the .tflite model does not have`);
    if (inp.dtype && inp.dtype !== t.dtype && inp.dtype !== 'string') t = makeTensor(inp.name, inp.dtype, t.dims, toNumbers(t));
    return { ...t, name: inp.name };
  });
  try {
    return await runOnnx(file, named);
  } catch (e) {
    throw new ModelError(`--reference ${file}: ${(e as Error).message}`);
  }
}

// Lists every TRANSPOSE a conversion writes, with the ONNX node it serves, its perm and shapes: where a layout
// move is left, to tell the ones the math needs from the ones the layout pass could avoid.
// Usage: node --import tsx scripts/list-transposes.ts MODEL.onnx [NAME=DIMS ...]
import { convertModel } from '../src/convert/convert';
import { readModelFile } from '../src/onnx/reader';

const [file, ...shapeArgs] = process.argv.slice(2);
const shapes = new Map(shapeArgs.map((a) => { const [n, d] = a.split('='); return [n, d.split(',').map(Number)] as [string, number[]]; }));
const res = convertModel(readModelFile(file), { inputShapes: shapes });
for (const sg of res.model.subgraphs) {
  for (const op of sg.operators) {
    if (op.opcode !== 'TRANSPOSE') continue;
    const [x, p] = op.inputs.map((i) => sg.tensors[i]);
    const perm = p.data ? Array.from(new Int32Array(p.data.buffer.slice(p.data.byteOffset, p.data.byteOffset + p.data.byteLength))) : '?';
    console.log(`${sg.name}: ${op.onnxNode}  [${x.shape}] perm ${perm} -> [${sg.tensors[op.outputs[0]].shape}]`);
  }
}

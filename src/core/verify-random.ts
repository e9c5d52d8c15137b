// The self-check of a model that draws random numbers (RandomNormal / RandomNormalLike: Piper's noises): LiteRT's
// RANDOM_STANDARD_NORMAL and onnxruntime draw different numbers, so the two models are compared as twins with every
// draw at its mean: the ONNX nodes become ConstantOfShape(mean) of the same shape, the TFLite draws FILL(shape, 0)
// (the converter's MUL / ADD after them give scale · 0 + mean). Everything but the generator is checked.
import { readFileSync } from 'node:fs';
import { makeTensor } from '../ir/tensor';
import type { Node } from '../ir/types';
import { node } from '../onnx/builder';
import { decodeModel } from '../onnx/reader';
import { encodeModel } from '../onnx/writer';
import type { TflModel } from '../tflite/model';
import { serializeTflite } from '../tflite/writer';

const DRAWS = new Set(['RandomNormal', 'RandomNormalLike']);

/** The twins at the draws' mean, or undefined when the converted model draws nothing. */
export function drawsAtMean(onnx: string | Uint8Array, model: TflModel): { onnx: Uint8Array; tflite: Uint8Array } | undefined {
  if (!model.subgraphs.some((sg) => sg.operators.some((op) => op.opcode === 'RANDOM_STANDARD_NORMAL'))) return undefined;
  const subgraphs = model.subgraphs.map((sg) => {
    const tensors = [...sg.tensors];
    const operators = sg.operators.map((op) => {
      if (op.opcode !== 'RANDOM_STANDARD_NORMAL') return op;
      tensors.push({ name: `${sg.tensors[op.outputs[0]!]!.name}__mean`, type: 'FLOAT32', shape: [], data: new Uint8Array(4) });
      return { opcode: 'FILL', inputs: [op.inputs[0]!, tensors.length - 1], outputs: op.outputs, onnxNode: op.onnxNode };
    });
    return { ...sg, tensors, operators };
  });
  const m = decodeModel(typeof onnx === 'string' ? readFileSync(onnx) : onnx);
  const g = m.graph;
  g.nodes = g.nodes.flatMap((n): Node[] => {
    if (!DRAWS.has(n.opType) || n.domain !== '') return [n];
    const a = n.attrs.get('mean');
    const mean = makeTensor(`${n.name}/mean`, 'float32', [1], [a?.type === 'float' || a?.type === 'int' ? a.value : 0]);
    if (n.opType === 'RandomNormalLike') {
      return [node('Shape', [n.inputs[0]!], [`${n.name}/shape`], {}, `${n.name}/Shape`),
        node('ConstantOfShape', [`${n.name}/shape`], n.outputs, { value: mean }, n.name)];
    }
    const dims = n.attrs.get('shape');
    const shape = makeTensor(`${n.name}/shape`, 'int64', [dims?.type === 'ints' ? dims.value.length : 0], dims?.type === 'ints' ? dims.value : []);
    g.initializers.set(shape.name, shape);
    return [node('ConstantOfShape', [shape.name], n.outputs, { value: mean }, n.name)];
  });
  return { onnx: encodeModel(m), tflite: serializeTflite({ ...model, subgraphs }) };
}

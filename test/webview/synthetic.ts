// A generated model (valid ONNX: it can be written and read back) of many nodes in nested name scopes (/stage3/block12/conv1/Conv), for the collapse test and the
// 20,000-node benchmark. Built as IR and turned into the view's graph by the same code as real models.
import type { AttrValue, Graph, Model, Node, ValueInfo } from '../../src/ir/types';

export function syntheticModel(stages: number, blocks: number): Model {
  const nodes: Node[] = [];
  const values = new Map<string, ValueInfo>();
  const shape = [1, 64, 56, 56];
  const val = (name: string): string => { values.set(name, { name, dtype: 'float32', shape }); return name; };
  // One weight shared by every conv keeps the file small while it stays a valid model.
  const initializers: Graph['initializers'] = new Map([['w', { name: 'w', dtype: 'float32', dims: [64, 64, 3, 3], data: new Float32Array(64 * 64 * 9).fill(0.001) }]]);
  let x = val('input');
  const node = (name: string, opType: string, inputs: string[], attrs: Node['attrs'] = new Map()): string => {
    const out = val(`${name}_output_0`);
    nodes.push({ name, opType, domain: '', inputs, outputs: [out], attrs });
    return out;
  };
  for (let s = 0; s < stages; s++) {
    for (let b = 0; b < blocks; b++) {
      const p = `/stage${s}/block${b}`;
      const k = new Map<string, AttrValue>([['kernel_shape', { type: 'ints', value: [3, 3] }], ['pads', { type: 'ints', value: [1, 1, 1, 1] }]]);
      let y = node(`${p}/conv1/Conv`, 'Conv', [x, 'w'], new Map(k));
      y = node(`${p}/relu/Relu`, 'Relu', [y]);
      y = node(`${p}/conv2/Conv`, 'Conv', [y, 'w'], new Map(k));
      y = node(`${p}/gate/Sigmoid`, 'Sigmoid', [y]);
      x = node(`${p}/Add`, 'Add', [x, y]);
    }
  }
  const graph: Graph = {
    name: 'synthetic', nodes, initializers, values,
    inputs: [{ name: 'input', dtype: 'float32', shape }], outputs: [{ name: x, dtype: 'float32', shape }],
  };
  return {
    irVersion: 8, producerName: 'onnx2lite synthetic', producerVersion: '1', domain: '', modelVersion: 1, docString: '',
    opsets: new Map([['', 13]]), graph, metadata: new Map(),
  };
}

// Generated models (valid ONNX: they can be written and read back) for the collapse tests and the graph view bench,
// built as IR and turned into the view's graph by the same code as real models: syntheticModel has many nodes in nested
// name scopes (/stage3/block12/conv1/Conv); flatModel has none (conv0, relu0, side0, add0, conv1, …).
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

/** `blocks` blocks of Conv(1×1) → Relu, a side Relu of the block's input, and an Add of the two (4 nodes a block, so
 *  5,000 blocks make the 20,000-node flat graph), named conv<i>, relu<i>, side<i>, add<i>: no name scopes at all. */
export function flatModel(blocks: number): Model {
  const nodes: Node[] = [];
  const values = new Map<string, ValueInfo>();
  const shape = [1, 8, 16, 16];
  const initializers: Graph['initializers'] = new Map([['w', { name: 'w', dtype: 'float32', dims: [8, 8, 1, 1], data: new Float32Array(64).fill(0.1) }]]);
  const node = (name: string, opType: string, inputs: string[]): string => {
    const out = name;
    values.set(out, { name: out, dtype: 'float32', shape });
    nodes.push({ name, opType, domain: '', inputs, outputs: [out], attrs: new Map() });
    return out;
  };
  let x = 'input';
  for (let b = 0; b < blocks; b++) {
    const y = node(`relu${b}`, 'Relu', [node(`conv${b}`, 'Conv', [x, 'w'])]);
    x = node(`add${b}`, 'Add', [y, node(`side${b}`, 'Relu', [x])]);
  }
  const graph: Graph = {
    name: 'flat', nodes, initializers, values,
    inputs: [{ name: 'input', dtype: 'float32', shape }], outputs: [{ name: x, dtype: 'float32', shape }],
  };
  return {
    irVersion: 8, producerName: 'onnx2lite flat', producerVersion: '1', domain: '', modelVersion: 1, docString: '',
    opsets: new Map([['', 13]]), graph, metadata: new Map(),
  };
}

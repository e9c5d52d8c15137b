// Small models (named nodes: two builds convert to the same bytes) whose clean-up rewrites a node's attributes (simplify-einsum-heads.ts rewrites an Einsum's equation,
// simplify-fused-matmul.ts clears FusedMatMul's trans flags), and a deep snapshot of a model to check that converting
// or simplifying it left it as it was: callers copy the node list, not the nodes' attribute maps, so a pass that wrote
// into those maps changed the caller's model (a second conversion of crossformer then failed).
import type { Graph, Model } from '../../src/ir/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { waveValues } from './match';

/** Crossformer's router scores: a learned router q (a constant) and k viewed [B, L, H, E] by Reshapes, then
 *  `einsum("blhe,bshe->bhls")`: the clean-up moves k heads-first and rewrites the equation ("blhe,bhse->bhls"). */
export function einsumHeadViews(): Model {
  const B = 2, L = 3, S = 5, H = 2, E = 4;
  return buildModel({
    inputs: [['k', 'float32', [B, S, H * E]]], outputs: ['s'], opset: 14,
    nodes: [
      node('Reshape', ['router', 'qshape'], ['qh'], {}, 'q_view'), node('Reshape', ['k', 'kshape'], ['kh'], {}, 'k_view'),
      node('Einsum', ['qh', 'kh'], ['s'], { equation: 'blhe,bshe->bhls' }, 'scores'),
    ],
    initializers: [tensor('router', 'float32', [B, L, H * E], waveValues(B * L * H * E, 5)),
      tensor('qshape', 'int64', [4], [B, L, H, E]), tensor('kshape', 'int64', [4], [B, S, H, E])],
  });
}

/** onnxruntime's FusedMatMul with transBatchB (nn.MultiheadAttention's context product at level "extended"). */
export function fusedTransBatch(): Model {
  const model = buildModel({
    opset: 13, producer: 'onnxruntime optimizer', inputs: [['a', 'float32', [4, 6, 5]]], outputs: [['y', 'float32', [4, 6, 8]]],
    nodes: [{ name: 'fmm', opType: 'FusedMatMul', domain: 'com.microsoft', inputs: ['a', 'b'], outputs: ['y'],
      attrs: new Map([['transBatchB', { type: 'int' as const, value: 1 }]]) }],
    initializers: [tensor('b', 'float32', [5, 4, 8], waveValues(160, 3))],
    infer: false,
  });
  model.opsets.set('com.microsoft', 1);
  return model;
}

/** Everything a pass could write into, as text: nodes (attributes included, subgraphs too), values, initializers. */
export function modelText(m: Model): string {
  const plain = (_k: string, v: unknown): unknown => (v instanceof Map ? [...v] : ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>, String) : v);
  const graph = (g: Graph) => ({ nodes: g.nodes, values: [...g.values], inputs: g.inputs, outputs: g.outputs, initializers: [...g.initializers] });
  return JSON.stringify({ graph: graph(m.graph), opsets: [...m.opsets] }, plain);
}

// The TopK of verify-topk / verify-selected's models: over the scores `s` [1, W] (K from the initializer `k`), or over
// the reversed scores with the indices mapped back — ties broken towards the higher index, so a reference model
// built with `reversed` gives every tied pair in the other order.
import { node, tensor } from '../../src/onnx/builder';
import type { Node, Tensor } from '../../src/ir/types';

/** Nodes from `s` to `scores` and `idx`, and the initializers they need besides `k` and `ax` ([1]: the axis). */
export function topkOver(width: number, reversed: boolean): { nodes: Node[]; initializers: Tensor[] } {
  if (!reversed) return { nodes: [node('TopK', ['s', 'k'], ['scores', 'idx'], { axis: 1 })], initializers: [] };
  return {
    nodes: [node('Slice', ['s', 'rs', 're', 'ax', 'st'], ['sr']), node('TopK', ['sr', 'k'], ['scores', 'ir'], { axis: 1 }),
      node('Sub', ['last', 'ir'], ['idx'])],
    initializers: [tensor('rs', 'int64', [1], [-1]), tensor('re', 'int64', [1], [-(width + 1)]), tensor('st', 'int64', [1], [-1]),
      tensor('last', 'int64', [], [width - 1])],
  };
}

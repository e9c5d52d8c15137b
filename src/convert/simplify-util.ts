// Shared by the ONNX-level patterns (simplify-*.ts).
import type { Node, Tensor } from '../ir/types';

/**
 * The node is folded away (every output a known constant: Shape of a static value, arithmetic on shapes...), so it
 * is never converted and does not count as a reader of its inputs: a pattern may absorb a value it reads.
 */
export function folded(n: Node, constants: Map<string, Tensor>): boolean {
  return n.outputs.length > 0 && n.outputs.every((o) => !o || constants.has(o));
}

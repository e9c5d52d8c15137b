// The op registry: one converter file per ONNX op (src/convert/ops/), looked up by op type, domain and opset.
// The compatibility view (src/convert/compat.ts) reads the same registry.
import type { Node } from '../ir/types';
import { OPS } from './ops/index';
import { FLEX_ONLY, OpConverter } from './types';

const byOp = new Map<string, OpConverter[]>();
for (const c of OPS) {
  const key = `${c.domain ?? ''}::${c.op}`;
  const list = byOp.get(key) ?? [];
  list.push(c);
  byOp.set(key, list);
}

function domainOf(node: Node): string {
  return node.domain === 'ai.onnx' ? '' : node.domain;
}

/** The converter for a node at an opset (0 = any opset, for layout hints). */
export function lookupConverter(node: Node, opset: number): OpConverter | undefined {
  const list = byOp.get(`${domainOf(node)}::${node.opType}`);
  if (!list) return undefined;
  if (opset === 0) return list[0];
  return list.find((c) => opset >= c.opset[0] && opset <= c.opset[1]);
}

export function allConverters(): readonly OpConverter[] {
  return OPS;
}

/** Why a node has no converter, in words a person can act on. */
export function unsupportedReason(node: Node, opset: number): string {
  const d = domainOf(node);
  const list = byOp.get(`${d}::${node.opType}`);
  if (list) {
    const ranges = list.map((c) => `${c.opset[0]}–${c.opset[1]}`).join(', ');
    return `${node.opType} at opset ${opset} is not supported (supported opsets: ${ranges}); re-export the model with a supported opset`;
  }
  if (d && d !== 'ai.onnx') return `${d}.${node.opType} is a custom-domain op with no TFLite builtin equivalent`;
  if (FLEX_ONLY[node.opType]) {
    return `${node.opType} has no TFLite builtin; it would need the Flex delegate (TF op ${FLEX_ONLY[node.opType]}), which onnx2lite does not emit`;
  }
  return `${node.opType} has no TFLite builtin equivalent in onnx2lite yet`;
}

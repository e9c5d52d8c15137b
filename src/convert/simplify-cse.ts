// Identical computations done once: a node with the same op, attributes and inputs as an earlier one reads the same
// values and writes the same values (ONNX ops are functions of their inputs, except the random ones). A traced
// decoding loop repeats work that does not depend on the step: PARSeq's unrolled decode projects the image memory
// to cross attention's keys and values again at each of its 13 steps (two FULLY_CONNECTED and two head moves a step).
// Constants of equal content count as one (the trace folds each step's copy of a weight under its own name). Runs
// after the pattern passes (they match values with one reader). Graphs with control flow are left as they are:
// a body reads outer values by name. Values sized at run time are left alone too: FastSpeech2's length-regulated
// frame mask read by four equal Casts, merged into one, made the converter write the mask's RESHAPE with the frame
// count frozen at 1 (LiteRT: 'num_input_elements != num_output_elements (3 != 0)').
import type { AttrValue, Graph, Node, Tensor } from '../ir/types';
import { isStaticShape } from '../ir/types';
import { folded } from './simplify-util';
import { sameBytes } from '../tflite/write-shared';
import { tensorBytes } from '../ir/tensor';

const RANDOM = new Set(['RandomNormal', 'RandomNormalLike', 'RandomUniform', 'RandomUniformLike', 'Multinomial', 'Bernoulli', 'Dropout']);

/** A key for an attribute's value, or undefined for kinds not compared (tensors, graphs). */
function attrKey(a: AttrValue): string | undefined {
  if (a.type === 'graph' || a.type === 'graphs' || a.type === 'tensor' || a.type === 'tensors' || a.type === 'unsupported') return undefined;
  return `${a.type}:${JSON.stringify(a.value)}`;
}

function bytesOf(t: Tensor): Uint8Array | undefined {
  return Array.isArray(t.data) || !t.data ? undefined : tensorBytes(t);
}

/** Each constant a node reads → the first constant of equal dtype, dims and bytes. */
function sameConstants(g: Graph, constants: Map<string, Tensor>): Map<string, string> {
  const byShape = new Map<string, string[]>();
  const canon = new Map<string, string>();
  for (const n of g.nodes) {
    for (const i of n.inputs) {
      const t = i ? constants.get(i) : undefined;
      const bytes = t && !canon.has(i) ? bytesOf(t) : undefined;
      if (!t || !bytes) continue;
      const key = `${t.dtype}|${t.dims.join(',')}`;
      const list = byShape.get(key) ?? [];
      const same = list.find((c) => sameBytes(bytesOf(constants.get(c)!)!, bytes));
      canon.set(i, same ?? i);
      if (!same) byShape.set(key, [...list, i]);
    }
  }
  return canon;
}

export function mergeCommonNodes(g: Graph, constants: Map<string, Tensor>): void {
  if (g.nodes.some((n) => [...n.attrs.values()].some((a) => a.type === 'graph' || a.type === 'graphs'))) return;
  const outs = new Set(g.outputs.map((o) => o.name));
  const canon = sameConstants(g, constants);
  const rename = new Map<string, string>();
  const seen = new Map<string, Node>();
  const keep: Node[] = [];
  for (const n of g.nodes) {
    if (n.inputs.some((i) => rename.has(i))) n.inputs = n.inputs.map((i) => rename.get(i) ?? i);
    const attrs = [...n.attrs.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, a]) => { const v = attrKey(a); return v === undefined ? undefined : `${k}=${v}`; });
    if (folded(n, constants) || RANDOM.has(n.opType) || !n.outputs.length || n.outputs.some((o) => !o || outs.has(o) || !isStaticShape(g.values.get(o)?.shape)) || attrs.includes(undefined)) {
      keep.push(n);
      continue;
    }
    const key = `${n.domain ?? ''}|${n.opType}|${attrs.join(',')}|${n.inputs.map((i) => canon.get(i) ?? i).join(',')}|${n.outputs.length}`;
    const first = seen.get(key);
    if (!first) {
      seen.set(key, n);
      keep.push(n);
      continue;
    }
    n.outputs.forEach((o, k) => rename.set(o, first.outputs[k]));
  }
  if (keep.length !== g.nodes.length) g.nodes = keep;
}

// What a drawn box shows (label, sub-line, size, colour class) for an item of the visible graph. No d3 and no DOM
// here: the extension host draws the first frame with the same code (webview/first-frame.ts), so the page's own
// drawing, when it takes over, puts every box where the host put it.
import type { ViewGraph, ViewValue } from '../src/shared/protocol';
import type { DrawItem } from './canvas';
import type { Item } from './scopes';
import { shapeText } from './dom';

/** Items drawn at once before scopes are collapsed. */
export const ITEM_LIMIT = 150;

const CATEGORIES: [string, RegExp][] = [
  ['conv', /conv/i],
  ['matmul', /^(gemm|matmul|fully_connected|batch_matmul|einsum)$/i],
  ['act', /relu|clip|sigmoid|logistic|tanh|softmax|elu|gelu|swish|prelu|softplus|erf/i],
  ['pool', /pool|^mean$|reduce/i],
  ['norm', /norm|dequantize|quantize/i],
  ['shape', /reshape|transpose|flatten|squeeze|concat|split|slice|gather|shape|expand|pad|tile|resize|cast|identity|constant/i],
];

/** The colour class of a node by its op. */
export function opCategory(op: string, kind: string): string {
  if (kind === 'input' || kind === 'output') return 'cat-io';
  for (const [c, re] of CATEGORIES) if (re.test(op)) return `cat-${c}`;
  return 'cat-other';
}

/** The colour of an item before any verdicts or accuracy: groups plain, nodes by op. */
export function opStyle(g: ViewGraph, it: Item): { cls: string; fill?: string } {
  if (it.kind === 'group') return { cls: 'cat-group' };
  const n = g.nodes[it.node];
  return { cls: opCategory(n.op, n.kind) };
}

export function truncate(s: string, n = 32): string { return s.length > n ? `${s.slice(0, n - 1)}…` : s; }

/** The box of `it` (without its position): `valueOf` finds a graph input's or output's value (for its shape),
 *  `style` its colours. The width is worked out from the text's length, not measured: the host, without fonts, gets
 *  the same. */
export function drawInfo(g: ViewGraph, it: Item, valueOf: (name: string) => ViewValue | undefined,
  style: (key: string) => { cls: string; fill?: string }): Omit<DrawItem, 'x' | 'y'> {
  let label: string, sub: string | undefined, kind: DrawItem['kind'], aria: string;
  if (it.kind === 'group') {
    label = truncate(it.scope.label); sub = `${it.scope.size} nodes`; kind = 'group';
    aria = `${it.scope.range ? 'range' : 'scope'} ${it.scope.range ? it.scope.label : it.scope.path}, ${it.scope.size} nodes, collapsed`;
  } else {
    const n = g.nodes[it.node];
    kind = n.kind === 'op' ? 'node' : n.kind;
    if (n.kind === 'op') { label = truncate(n.op); aria = `${n.op} node ${n.name}`; } else {
      const t = n.kind === 'input' ? n.outputs[0] : n.inputs[0];
      label = truncate(t); sub = shapeText(valueOf(t)?.shape); aria = `${n.kind} ${t}`;
    }
  }
  const width = Math.min(260, Math.max(64, Math.max(label.length * 7.4, (sub?.length ?? 0) * 6.4) + 24));
  return { key: it.key, label, sub, kind, width, height: sub ? 40 : 28, aria, ...style(it.key) };
}

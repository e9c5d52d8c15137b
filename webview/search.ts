// Search by node name, op type or tensor name; results in a list the keyboard can walk.
import type { ViewGraph } from '../src/shared/protocol';
import { el } from './dom';

export function findNodes(g: ViewGraph, query: string, limit = 200): number[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const out: number[] = [];
  for (const n of g.nodes) {
    if (n.name.toLowerCase().includes(q) || n.op.toLowerCase() === q
      || n.outputs.some((t) => t.toLowerCase().includes(q)) || n.inputs.some((t) => t.toLowerCase().includes(q))) {
      out.push(n.id);
      if (out.length >= limit) break;
    }
  }
  return out;
}

export function showResults(box: HTMLElement, g: ViewGraph, ids: number[], pick: (id: number) => void): void {
  if (ids.length === 0) { box.hidden = true; box.replaceChildren(); return; }
  box.hidden = false;
  const shown = ids.slice(0, 50);
  box.replaceChildren(...shown.map((id) => {
    const n = g.nodes[id];
    const b = el('button', { class: 'result', role: 'option', 'data-node': String(id) }, el('span', { class: 'result-op' }, n.op), ' ', n.name);
    b.addEventListener('click', () => pick(id));
    b.addEventListener('keydown', (ev) => {
      const sib = ev.key === 'ArrowDown' ? b.nextElementSibling : ev.key === 'ArrowUp' ? b.previousElementSibling : null;
      if (sib) { ev.preventDefault(); (sib as HTMLElement).focus(); }
    });
    return b;
  }), ...(ids.length > shown.length ? [el('div', { class: 'more' }, `${ids.length - shown.length}+ more…`)] : []));
}

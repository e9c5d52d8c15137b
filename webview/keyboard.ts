// Keyboard use of the graph: arrows walk the graph (down: a consumer, up: a producer, left/right: neighbours in
// reading order), Enter expands a scope, Backspace collapses the enclosing scope, F fits, +/- zoom, / searches.
import type { GraphCanvas } from './canvas';
import type { VisibleGraph } from './scopes';

export interface KeyboardTarget {
  canvas: GraphCanvas;
  searchBox: HTMLElement;
  visible(): VisibleGraph | undefined;
  activate(key: string): void;
  select(key: string | undefined): void;
  collapseParent(): void;
}

function readingOrder(t: KeyboardTarget): string[] {
  return t.canvas.keys().sort((a, b) => {
    const p = t.canvas.item(a)!, q = t.canvas.item(b)!;
    return p.y - q.y || p.x - q.x;
  });
}

export function keyboard(root: HTMLElement, t: KeyboardTarget): void {
  root.addEventListener('keydown', (ev) => {
    if (ev.target instanceof HTMLInputElement || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const cur = t.canvas.selected;
    const vis = t.visible();
    let handled = true;
    switch (ev.key) {
      case 'ArrowDown': case 'ArrowUp': {
        if (!cur) { t.select(readingOrder(t)[0]); break; }
        const e = vis?.edges.find((x) => (ev.key === 'ArrowDown' ? x.from === cur : x.to === cur));
        if (e) t.select(ev.key === 'ArrowDown' ? e.to : e.from);
        break;
      }
      case 'ArrowLeft': case 'ArrowRight': {
        const order = readingOrder(t);
        const i = cur ? order.indexOf(cur) : -1;
        const next = order[Math.min(order.length - 1, Math.max(0, i + (ev.key === 'ArrowRight' ? 1 : -1)))];
        if (next) t.select(next);
        break;
      }
      case 'Enter': case ' ': if (cur) t.activate(cur); break;
      case 'Backspace': t.collapseParent(); break;
      case 'Escape': t.select(undefined); break;
      case 'f': case 'F': t.canvas.fit(); break;
      case '+': case '=': t.canvas.zoomBy(1.25); break;
      case '-': case '_': t.canvas.zoomBy(0.8); break;
      case '/': t.searchBox.focus(); break;
      default: handled = false;
    }
    if (handled) ev.preventDefault();
  });
}

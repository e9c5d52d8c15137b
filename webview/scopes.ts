// Name scopes (`/backbone/layer1/conv/Conv` lives in /backbone/layer1/conv) and the graph that is visible when
// some scopes are collapsed: a collapsed scope is drawn as one box, edges into it are merged.
import type { ViewGraph } from '../src/protocol';

export interface Scope {
  path: string;
  label: string;
  parent?: Scope;
  children: Scope[];
  /** Ids of the nodes directly in this scope. */
  nodes: number[];
  /** Number of nodes in this scope and below. */
  size: number;
}

export interface Scopes {
  root: Scope;
  byPath: Map<string, Scope>;
  /** For each node id, its scopes from the outermost down (root excluded). */
  chain: Scope[][];
}

export type Item =
  | { key: string; kind: 'node'; node: number }
  | { key: string; kind: 'group'; scope: Scope };

export interface VisibleGraph {
  items: Item[];
  edges: { from: string; to: string; tensor: string; count: number }[];
  keyOf: (node: number) => string;
}

/** A name's scope path: `/backbone/layer1/conv/Conv` and `backbone/layer1/conv/Conv` live in /backbone/layer1/conv,
 *  empty parts (`a//b`) add no level, and a name without `/` lives in the root (''). */
function scopePath(name: string): string {
  const cut = name.lastIndexOf('/');
  if (cut < 0) return '';
  const p = name.charCodeAt(0) === 47 ? name.slice(0, cut) : `/${name.slice(0, cut)}`;
  return p.includes('//') || p.endsWith('/') ? p.split('/').filter(Boolean).map((x) => `/${x}`).join('') : p;
}

export function buildScopes(g: ViewGraph): Scopes {
  const root: Scope = { path: '', label: '', children: [], nodes: [], size: 0 };
  const byPath = new Map<string, Scope>([['', root]]);
  // Each op node's scope path, and how many nodes each path holds directly.
  const paths: string[] = new Array(g.nodes.length);
  const direct = new Map<string, number>();
  for (const n of g.nodes) {
    const p = n.kind === 'op' ? scopePath(n.name) : '';
    paths[n.id] = p;
    direct.set(p, (direct.get(p) ?? 0) + 1);
  }
  // Paths that hold other scopes. A scope of one node and no scopes is never drawn collapsed (it would be that node):
  // its node is kept in the parent scope instead, so models with a scope per node do not make one object per node.
  const outer = new Set<string>();
  for (const p of direct.keys()) {
    for (let q = p, cut = q.lastIndexOf('/'); cut > 0 && !outer.has(q.slice(0, cut)); cut = q.lastIndexOf('/')) {
      q = q.slice(0, cut);
      outer.add(q);
    }
  }
  const scopeOf = (path: string): Scope => {
    let s = byPath.get(path);
    if (s) return s;
    const cut = path.lastIndexOf('/');
    const parent = scopeOf(path.slice(0, cut));
    s = { path, label: path.slice(cut + 1), parent, children: [], nodes: [], size: 0 };
    byPath.set(path, s);
    parent.children.push(s);
    return s;
  };
  const chains = new Map<Scope, Scope[]>([[root, []]]);
  const chainOf = (s: Scope): Scope[] => {
    let c = chains.get(s);
    if (!c) chains.set(s, (c = [...chainOf(s.parent!), s]));
    return c;
  };
  const chain: Scope[][] = new Array(g.nodes.length);
  let last: Scope = root;
  for (const n of g.nodes) {
    let p = paths[n.id];
    if (p && direct.get(p) === 1 && !outer.has(p)) p = p.slice(0, p.lastIndexOf('/'));
    const s = p === last.path ? last : (last = scopeOf(p));
    s.nodes.push(n.id);
    chain[n.id] = chainOf(s);
  }
  const count = (s: Scope): number => (s.size = s.nodes.length + s.children.reduce((a, c) => a + count(c), 0));
  count(root);
  return { root, byPath, chain };
}

/** A scope is drawn collapsed unless expanded; scopes of one node are never collapsed. */
function collapsible(s: Scope): boolean { return s.size > 1; }

export function visibleGraph(g: ViewGraph, sc: Scopes, expanded: Set<string>): VisibleGraph {
  // Each node's item: the outermost collapsed scope holding it, or the node itself. Nodes of one scope share their
  // chain array, so it is looked at once a scope.
  const groupOf = new Map<Scope[], Scope | null>();
  const groupItem = new Map<Scope, number>();
  const itemOf = new Int32Array(g.nodes.length);
  const items: Item[] = [];
  for (const n of g.nodes) {
    const chain = sc.chain[n.id] ?? [];
    let group = groupOf.get(chain);
    if (group === undefined) {
      group = chain.find((s) => collapsible(s) && !expanded.has(s.path)) ?? null;
      groupOf.set(chain, group);
    }
    if (!group) { itemOf[n.id] = items.length; items.push({ key: `n:${n.id}`, kind: 'node', node: n.id }); continue; }
    let i = groupItem.get(group);
    if (i === undefined) { i = items.length; groupItem.set(group, i); items.push({ key: `g:${group.path}`, kind: 'group', scope: group }); }
    itemOf[n.id] = i;
  }
  const merged = new Map<number, { from: string; to: string; tensor: string; count: number }>();
  for (const e of g.edges) {
    const from = itemOf[e.from], to = itemOf[e.to];
    if (from === to) continue;
    const k = from * items.length + to;
    const m = merged.get(k);
    if (m) m.count++; else merged.set(k, { from: items[from].key, to: items[to].key, tensor: e.tensor, count: 1 });
  }
  return { items, edges: [...merged.values()], keyOf: (id) => items[itemOf[id]]?.key ?? `n:${id}` };
}

/** Expands the biggest scopes first while the drawn item count stays within `limit` (a max-heap by size). */
export function autoExpand(sc: Scopes, limit: number): Set<string> {
  const expanded = new Set<string>(['']);
  let visible = sc.root.nodes.length + sc.root.children.length;
  const heap: Scope[] = [];
  const push = (s: Scope): void => {
    heap.push(s);
    for (let i = heap.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (heap[p].size >= heap[i].size) break;
      [heap[p], heap[i]] = [heap[i], heap[p]];
      i = p;
    }
  };
  const pop = (): Scope => {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length) {
      heap[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < heap.length && heap[l].size > heap[m].size) m = l;
        if (r < heap.length && heap[r].size > heap[m].size) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i], heap[m]];
        i = m;
      }
    }
    return top;
  };
  sc.root.children.forEach(push);
  while (heap.length > 0) {
    const s = pop();
    if (!collapsible(s)) continue;
    const delta = s.nodes.length + s.children.length - 1;
    if (visible + delta > limit) continue;
    expanded.add(s.path);
    visible += delta;
    s.children.forEach(push);
  }
  return expanded;
}

/** Expands every scope that holds the node, so it is drawn on its own. */
export function expandTo(sc: Scopes, node: number, expanded: Set<string>): boolean {
  let changed = false;
  for (const s of sc.chain[node] ?? []) if (!expanded.has(s.path)) { expanded.add(s.path); changed = true; }
  return changed;
}

/** Collapses a scope and everything below it. */
export function collapse(s: Scope, expanded: Set<string>): void {
  expanded.delete(s.path);
  for (const c of s.children) collapse(c, expanded);
}

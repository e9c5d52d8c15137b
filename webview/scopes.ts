// Name scopes (`/backbone/layer1/conv/Conv` lives in /backbone/layer1/conv) and the graph that is visible when
// some scopes are collapsed: a collapsed scope is drawn as one box, edges into it are merged.
import type { ViewGraph } from '../src/shared/protocol';
import { groupRanges } from './scope-ranges';

export interface Scope {
  path: string;
  label: string;
  parent?: Scope;
  children: Scope[];
  /** Ids of the nodes directly in this scope. */
  nodes: number[];
  /** Number of nodes in this scope and below. */
  size: number;
  /** A range of members of its parent grouped in graph order (webview/scope-ranges.ts), not a name scope. */
  range?: boolean;
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

/** Scope paths come from node names: `/backbone/layer1/conv/Conv` and `backbone/layer1/conv/Conv` live in
 *  /backbone/layer1/conv, empty parts (`a//b`) add no level, and a name without `/` lives in the root (''). Graph inputs
 *  and outputs live in the root. */
export function buildScopes(g: ViewGraph): Scopes {
  const root: Scope = { path: '', label: '', children: [], nodes: [], size: 0 };
  const byPath = new Map<string, Scope>([['', root]]);
  const nodes = g.nodes;
  // The tree of name parts, as numbered parts in flat arrays (most parts hold one node and never become scopes, so
  // they get no object): part 0 is the root; each part's parent, name, sub-parts by name, and nodes named in it.
  let cap = nodes.length + 16;
  let parentOf = new Int32Array(cap), direct = new Int32Array(cap);
  const names: string[] = [''];
  const subParts: (Map<string, number> | undefined)[] = [undefined];
  let parts = 1;
  const partOf = new Int32Array(nodes.length);
  // The previous name's walk: its part at each depth and the name's text up to the end of that part (with its `/`).
  // A name of the same scope or a sibling scope starts with one of these texts and walks on from that part.
  const walked: number[] = [0];
  const texts: string[] = [''];
  for (let id = 0; id < nodes.length; id++) {
    const n = nodes[id];
    let p = 0;
    if (n.kind === 'op') {
      const name = n.name, cut = name.lastIndexOf('/');
      let d = walked.length - 1;
      while (d > 0 && (texts[d].length > cut + 1 || !name.startsWith(texts[d]))) d--;
      p = walked[d];
      let i = d > 0 ? texts[d].length : name.charCodeAt(0) === 47 ? 1 : 0;
      walked.length = texts.length = d + 1;
      while (i < cut) {
        const j = name.indexOf('/', i);
        if (j > i) {
          const key = name.slice(i, j);
          let kids = subParts[p];
          let q = kids?.get(key);
          if (q === undefined) {
            if (parts === cap) {
              cap *= 2;
              const a = new Int32Array(cap), b = new Int32Array(cap);
              a.set(parentOf); b.set(direct);
              parentOf = a; direct = b;
            }
            q = parts++;
            parentOf[q] = p; names.push(key); subParts.push(undefined);
            (kids ??= subParts[p] = new Map()).set(key, q);
          }
          p = q;
          walked.push(p);
          texts.push(name.slice(0, j + 1));
        }
        i = j + 1;
      }
    }
    direct[p]++;
    partOf[id] = p;
  }
  // A part of one node and no sub-parts is never drawn collapsed (it would be that node): its node is kept in the
  // parent scope instead, so models with a scope per node do not make one object per node.
  const scopes: (Scope | undefined)[] = new Array(parts);
  scopes[0] = root;
  const scopeOf = (p: number): Scope => {
    let s = scopes[p];
    if (s) return s;
    const parent = scopeOf(parentOf[p]);
    const path = `${parent.path}/${names[p]}`;
    s = { path, label: names[p], parent, children: [], nodes: [], size: 0 };
    byPath.set(path, s);
    parent.children.push(s);
    return (scopes[p] = s);
  };
  const chains = new Map<Scope, Scope[]>([[root, []]]);
  const chainOf = (s: Scope): Scope[] => {
    let c = chains.get(s);
    if (!c) chains.set(s, (c = [...chainOf(s.parent!), s]));
    return c;
  };
  // Each node's scope, before and after the ranges (scopes too big to draw at once are grouped into ranges).
  const home: Scope[] = new Array(nodes.length);
  let lastPart = -1, lastScope = root;
  for (let id = 0; id < nodes.length; id++) {
    const p = partOf[id];
    if (p !== lastPart) {
      lastPart = p;
      lastScope = scopeOf(p !== 0 && direct[p] === 1 && !subParts[p] ? parentOf[p] : p);
    }
    lastScope.nodes.push(nodes[id].id);
    home[nodes[id].id] = lastScope;
  }
  groupRanges(g, root, byPath, home);
  const chain: Scope[][] = new Array(nodes.length);
  let lastHome: Scope | undefined, lastChain: Scope[] = [];
  for (let id = 0; id < nodes.length; id++) {
    const s = home[id];
    if (s !== lastHome) { lastHome = s; lastChain = chainOf(s); }
    chain[id] = lastChain;
  }
  const count = (s: Scope): number => {
    let size = s.nodes.length;
    for (const c of s.children) size += count(c);
    return (s.size = size);
  };
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
  const none: Scope[] = [];
  let lastChain: Scope[] | undefined, item = -1;
  for (const n of g.nodes) {
    const chain = sc.chain[n.id] ?? none;
    // Nodes of one scope mostly follow each other: the same chain is the same item (or none).
    if (chain !== lastChain) {
      lastChain = chain;
      let group = groupOf.get(chain);
      if (group === undefined) {
        group = chain.find((s) => collapsible(s) && !expanded.has(s.path)) ?? null;
        groupOf.set(chain, group);
      }
      item = group ? groupItem.get(group) ?? -1 : -1;
      if (group && item < 0) { item = items.length; groupItem.set(group, item); items.push({ key: `g:${group.path}`, kind: 'group', scope: group }); }
    }
    if (item < 0) { itemOf[n.id] = items.length; items.push({ key: `n:${n.id}`, kind: 'node', node: n.id }); } else itemOf[n.id] = item;
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

/** Expands the biggest scopes first while the drawn item count stays within `limit` (a max-heap by size); ranges
 *  down to the first node before. */
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
  const expand = (s: Scope): boolean => {
    const delta = s.nodes.length + s.children.length - 1;
    if (expanded.has(s.path) || !collapsible(s) || visible + delta > limit) return false;
    expanded.add(s.path);
    visible += delta;
    s.children.forEach(push);
    return true;
  };
  sc.root.children.forEach(push);
  // Ranges (a graph's order, not its names) are opened down to the graph's first nodes, where the view starts.
  const first = sc.chain.find((c) => c.length > 0) ?? [];
  for (const s of first) if (!s.range || !expand(s)) break;
  while (heap.length > 0) expand(pop());
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

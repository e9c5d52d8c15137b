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

function scopeParts(name: string): string[] {
  if (!name.includes('/')) return [];
  const parts = name.split('/').filter((p) => p.length > 0);
  return parts.slice(0, -1);
}

export function buildScopes(g: ViewGraph): Scopes {
  const root: Scope = { path: '', label: '', children: [], nodes: [], size: 0 };
  const byPath = new Map<string, Scope>([['', root]]);
  const direct: Scope[] = [];
  for (const n of g.nodes) {
    let s = root;
    if (n.kind === 'op') {
      for (const part of scopeParts(n.name)) {
        const path = `${s.path}/${part}`;
        let c = byPath.get(path);
        if (!c) { c = { path, label: part, parent: s, children: [], nodes: [], size: 0 }; byPath.set(path, c); s.children.push(c); }
        s = c;
      }
    }
    s.nodes.push(n.id);
    direct[n.id] = s;
  }
  const count = (s: Scope): number => (s.size = s.nodes.length + s.children.reduce((a, c) => a + count(c), 0));
  count(root);
  const chain: Scope[][] = direct.map((s) => {
    const out: Scope[] = [];
    for (let c: Scope | undefined = s; c && c !== root; c = c.parent) out.push(c);
    return out.reverse();
  });
  return { root, byPath, chain };
}

/** A scope is drawn collapsed unless expanded; scopes of one node are never collapsed. */
function collapsible(s: Scope): boolean { return s.size > 1; }

export function visibleGraph(g: ViewGraph, sc: Scopes, expanded: Set<string>): VisibleGraph {
  const keyOf = (id: number): string => {
    for (const s of sc.chain[id] ?? []) if (collapsible(s) && !expanded.has(s.path)) return `g:${s.path}`;
    return `n:${id}`;
  };
  const items: Item[] = [];
  const seen = new Set<string>();
  for (const n of g.nodes) {
    const key = keyOf(n.id);
    if (seen.has(key)) continue;
    seen.add(key);
    items.push(key.startsWith('n:') ? { key, kind: 'node', node: n.id } : { key, kind: 'group', scope: sc.byPath.get(key.slice(2))! });
  }
  const merged = new Map<string, { from: string; to: string; tensor: string; count: number }>();
  for (const e of g.edges) {
    const from = keyOf(e.from), to = keyOf(e.to);
    if (from === to) continue;
    const k = `${from}\u0000${to}`;
    const m = merged.get(k);
    if (m) m.count++; else merged.set(k, { from, to, tensor: e.tensor, count: 1 });
  }
  return { items, edges: [...merged.values()], keyOf };
}

/** Expands the biggest scopes first while the drawn item count stays within `limit`. */
export function autoExpand(sc: Scopes, limit: number): Set<string> {
  const expanded = new Set<string>(['']);
  let visible = sc.root.nodes.length + sc.root.children.length;
  const frontier = [...sc.root.children];
  while (frontier.length > 0) {
    frontier.sort((a, b) => b.size - a.size);
    const s = frontier.shift()!;
    if (!collapsible(s)) continue;
    const delta = s.nodes.length + s.children.length - 1;
    if (visible + delta > limit) continue;
    expanded.add(s.path);
    visible += delta;
    frontier.push(...s.children);
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

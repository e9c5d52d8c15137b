// Ranges: what name scopes do not group. A scope holding more than MAX_MEMBERS members (its own nodes and its child
// scopes) — the root of a graph whose names have no `/` (conv0, relu0, …), or a scope of thousands of blocks — has
// its members grouped, in graph (topological) order, into range scopes of about RANGE members, nested as deep as it
// takes for no scope to hold more than MAX_MEMBERS. A range is drawn, collapsed and expanded like any scope.
import type { ViewGraph } from '../src/shared/protocol';
import type { Scope } from './scopes';

/** The most members a scope draws when expanded before its members are grouped into ranges. */
export const MAX_MEMBERS = 64;
/** Members of a range at the lowest level (ranges of ranges hold RANGE^depth). */
export const RANGE = 32;

type Member = { node: number; scope?: undefined } | { node?: undefined; scope: Scope };

/** Groups the members of every scope that holds too many into ranges. `home[id]` is each node's scope, updated for
 *  the nodes moved into a range. Range paths are `<scope path>/#<first node id>-<last node id>` (unique among
 *  `byPath`'s). */
export function groupRanges(g: ViewGraph, root: Scope, byPath: Map<string, Scope>, home: Scope[]): void {
  const first = new Map<Scope, number>(), last = new Map<Scope, number>();
  const firstId = (s: Scope): number => {
    let f = first.get(s);
    if (f === undefined) {
      f = Math.min(s.nodes[0] ?? Infinity, s.children.length ? firstId(s.children[0]) : Infinity);
      first.set(s, f);
    }
    return f;
  };
  const lastId = (s: Scope): number => {
    let l = last.get(s);
    if (l === undefined) {
      l = Math.max(s.nodes[s.nodes.length - 1] ?? -1, s.children.length ? lastId(s.children[s.children.length - 1]) : -1);
      last.set(s, l);
    }
    return l;
  };
  const memberFirst = (m: Member): number => (m.scope ? firstId(m.scope) : m.node!);
  const memberLast = (m: Member): number => (m.scope ? lastId(m.scope) : m.node!);
  const attach = (parent: Scope, members: Member[]): void => {
    for (const m of members) {
      if (m.scope) { m.scope.parent = parent; parent.children.push(m.scope); } else { parent.nodes.push(m.node!); home[m.node!] = parent; }
    }
  };
  const short = (id: number): string => { const n = g.nodes[id].name; return n.slice(n.lastIndexOf('/', n.length - 2) + 1) || n; };
  const split = (parent: Scope, members: Member[]): void => {
    if (members.length <= MAX_MEMBERS) { attach(parent, members); return; }
    let span = RANGE;
    while (Math.ceil(members.length / span) > MAX_MEMBERS) span *= RANGE;
    const count = Math.ceil(members.length / span);
    // Ranges directly in a name scope carry its name: its own box is gone once it is open.
    const named = parent.path !== '' && !parent.range;
    for (let k = 0; k < count; k++) {
      const part = members.slice(Math.floor((k * members.length) / count), Math.floor(((k + 1) * members.length) / count));
      const a = memberFirst(part[0]), b = memberLast(part[part.length - 1]);
      const name = (m: Member): string => (m.scope ? m.scope.label : short(m.node!));
      let path = `${parent.path}/#${a}-${b}`;
      while (byPath.has(path)) path += '~';
      const range: Scope = { path, label: `${named ? `${parent.label} · ` : ''}${name(part[0])} … ${name(part[part.length - 1])}`, parent, children: [], nodes: [], size: 0, range: true };
      byPath.set(path, range);
      parent.children.push(range);
      split(range, part);
    }
  };
  const visit = (s: Scope): void => {
    const kids = s.children;
    kids.forEach(visit);
    const ops = s.nodes.filter((id) => g.nodes[id].kind === 'op');
    if (ops.length + kids.length <= MAX_MEMBERS) return;
    // Child scopes are in the order of their first nodes, as are the nodes: merge the two by first node.
    const members: Member[] = [];
    let i = 0, j = 0;
    while (i < ops.length || j < kids.length) {
      if (j >= kids.length || (i < ops.length && ops[i] < firstId(kids[j]))) members.push({ node: ops[i++] });
      else members.push({ scope: kids[j++] });
    }
    s.nodes = s.nodes.filter((id) => g.nodes[id].kind !== 'op');
    s.children = [];
    split(s, members);
  };
  visit(root);
}

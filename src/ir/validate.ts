// Structural checks every graph passes before anything else reads it: every node input is produced
// somewhere, no value is produced twice, and the nodes form no cycle. Nodes are put in topological order.
import { Graph, ModelError, Node } from './types';

/** Names a subgraph reads from enclosing scopes (inputs not produced inside it). */
export function subgraphFreeInputs(g: Graph): Set<string> {
  const local = new Set<string>([...g.inputs.map((v) => v.name), ...g.initializers.keys()]);
  for (const n of g.nodes) for (const o of n.outputs) if (o) local.add(o);
  const free = new Set<string>();
  for (const n of g.nodes) {
    for (const i of n.inputs) if (i && !local.has(i)) free.add(i);
    for (const a of n.attrs.values()) {
      const subs = a.type === 'graph' ? [a.value] : a.type === 'graphs' ? a.value : [];
      for (const s of subs) for (const f of subgraphFreeInputs(s)) if (!local.has(f)) free.add(f);
    }
  }
  for (const o of g.outputs) if (!local.has(o.name)) free.add(o.name);
  return free;
}

/** Inputs a node depends on, including what its subgraphs read from the enclosing graph. */
export function nodeDependencies(n: Node): string[] {
  const deps = n.inputs.filter((i) => i !== '');
  for (const a of n.attrs.values()) {
    const subs = a.type === 'graph' ? [a.value] : a.type === 'graphs' ? a.value : [];
    for (const s of subs) deps.push(...subgraphFreeInputs(s));
  }
  return deps;
}

export function sortAndValidate(g: Graph): void {
  const available = new Set<string>([...g.inputs.map((v) => v.name), ...g.initializers.keys()]);
  if (g.outerScope) for (const n of g.outerScope) available.add(n);
  const producer = new Map<string, number>();
  g.nodes.forEach((n, i) => {
    for (const o of n.outputs) {
      if (!o) continue;
      if (producer.has(o)) throw new ModelError(`value "${o}" is produced by two nodes (${g.nodes[producer.get(o)!].name} and ${n.name})`, n.name);
      if (g.initializers.has(o) || g.inputs.some((v) => v.name === o)) {
        throw new ModelError(`node ${n.name} writes "${o}", which is already a graph input or initializer`, n.name);
      }
      producer.set(o, i);
    }
  });
  const deps = g.nodes.map(nodeDependencies);
  const indegree = new Array<number>(g.nodes.length).fill(0);
  const users = new Map<number, number[]>();
  deps.forEach((list, i) => {
    for (const name of list) {
      const p = producer.get(name);
      if (p === undefined) {
        if (!available.has(name)) {
          throw new ModelError(`node ${g.nodes[i].name} (${g.nodes[i].opType}) reads "${name}", which no node, input or initializer provides`, g.nodes[i].name);
        }
        continue;
      }
      indegree[i]++;
      let u = users.get(p);
      if (!u) users.set(p, (u = []));
      u.push(i);
    }
  });
  // Kahn's algorithm, stable: among ready nodes the one first in the file goes first.
  const order: number[] = [];
  const ready: number[] = [];
  indegree.forEach((d, i) => { if (d === 0) ready.push(i); });
  let head = 0;
  while (head < ready.length) {
    const i = ready[head++];
    order.push(i);
    for (const u of users.get(i) ?? []) if (--indegree[u] === 0) ready.push(u);
  }
  if (order.length !== g.nodes.length) {
    const stuck = g.nodes.filter((_, i) => indegree[i] > 0).slice(0, 3).map((n) => n.name);
    throw new ModelError(`the graph has a cycle (through ${stuck.join(', ')})`, stuck[0]);
  }
  const sorted = order.every((v, i) => v === i);
  if (!sorted) g.nodes = order.map((i) => g.nodes[i]);
  for (const o of g.outputs) {
    if (!producer.has(o.name) && !available.has(o.name)) {
      throw new ModelError(`graph output "${o.name}" is produced by no node`);
    }
  }
}

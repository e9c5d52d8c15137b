// ONNX-level rewrites of control flow before conversion, run after shape inference has folded what it can:
// an If whose condition is known is replaced by the nodes of the branch it takes; a Loop with a constant trip count
// (and no data-dependent exit) and a Scan over a static sequence length are unrolled. What cannot be rewritten is
// converted as TFLite IF / WHILE with subgraphs (ops/If.ts, ops/Loop.ts).
import type { Graph, Model, Node, Tensor } from '../ir/types';
import { toNumbers } from '../ir/tensor';
import { isStaticShape } from '../ir/types';

/** Largest trip count (Loop) or sequence length × batch (Scan) that is unrolled. */
export const MAX_UNROLL = 256;
/** Largest number of nodes unrolling may add. */
const MAX_UNROLLED_NODES = 50000;

type Consts = Map<string, Tensor>;

function graphAttr(n: Node, name: string): Graph | undefined {
  const a = n.attrs.get(name);
  return a?.type === 'graph' ? a.value : undefined;
}

function intsAttr(n: Node, name: string): number[] | undefined {
  const a = n.attrs.get(name);
  return a?.type === 'ints' ? a.value : undefined;
}

function known(name: string, g: Graph, consts: Consts): Tensor | undefined {
  if (!name) return undefined;
  return consts.get(name) ?? g.initializers.get(name);
}

function scalarOf(name: string, g: Graph, consts: Consts): number | undefined {
  const t = known(name, g, consts);
  if (!t || Array.isArray(t.data) || t.data.length !== 1) return undefined;
  return toNumbers(t)[0];
}

/** The condition of an If when it is known at conversion time (0 or 1). */
export function knownCondition(node: Node, g: Graph, consts: Consts): boolean | undefined {
  const v = scalarOf(node.inputs[0] ?? '', g, consts);
  return v === undefined ? undefined : v !== 0;
}

/** The body's condition output passes its condition input on, or is constant true. */
function condAlwaysTrue(body: Graph, consts: Consts): boolean {
  const cin = body.inputs[1]?.name;
  const cout = body.outputs[0]?.name;
  if (!cout) return false;
  if (cin === cout) return true;
  const c = scalarOf(cout, body, consts);
  if (c !== undefined) return c !== 0;
  const producer = body.nodes.find((n) => n.outputs.includes(cout));
  return producer?.opType === 'Identity' && producer.inputs[0] === cin;
}

/** How a Loop node can be converted: unrolled (trip count), as a WHILE, or why not. */
export function loopPlan(node: Node, g: Graph, consts: Consts): { unroll: number } | { while: true } | { refuse: string } {
  const body = graphAttr(node, 'body');
  if (!body) return { refuse: 'Loop has no body graph' };
  const m = node.inputs[0] ? scalarOf(node.inputs[0], g, consts) : undefined;
  const condIn = node.inputs[1] ? scalarOf(node.inputs[1], g, consts) : 1;
  const nCarried = node.inputs.length - 2;
  const nScan = body.outputs.length - 1 - nCarried;
  if (m !== undefined && condIn !== undefined && condAlwaysTrue(body, consts)) {
    const trips = condIn === 0 ? 0 : m;
    if (trips > 0 && trips <= MAX_UNROLL) return { unroll: trips };
    if (trips === 0 && nScan === 0) return { unroll: 0 };
    if (trips > MAX_UNROLL && nScan > 0) return { refuse: `Loop runs ${trips} times (over ${MAX_UNROLL}, the most onnx2lite unrolls) and has scan outputs` };
  }
  if (nScan > 0) {
    return { refuse: 'Loop has scan outputs and a trip count or exit condition not known at conversion time: their size would be data-dependent (fix the inputs it depends on with --input-value)' };
  }
  return { while: true };
}

/** Sequence length (and batch, opset 8) of a Scan when static and small enough to unroll, or why not. */
export function scanPlan(node: Node, g: Graph, opset: number): { ok: true } | { refuse: string } {
  const body = graphAttr(node, 'body');
  if (!body) return { refuse: 'Scan has no body graph' };
  const nScan = (node.attrs.get('num_scan_inputs') as { value: number } | undefined)?.value ?? 0;
  const first = opset < 9 ? 1 : 0;
  if (opset < 9 && node.inputs[0]) return { refuse: 'Scan (opset 8) with sequence_lens is not supported; export without it' };
  const scanIns = node.inputs.slice(node.inputs.length - nScan);
  const axes = intsAttr(node, 'scan_input_axes') ?? [];
  let len: number | undefined;
  let batch = 1;
  for (let j = 0; j < scanIns.length; j++) {
    const s = g.values.get(scanIns[j])?.shape;
    if (!isStaticShape(s)) return { refuse: `Scan input "${scanIns[j]}" has no static shape; fix the model inputs with --input-shape` };
    const a = first ? 1 : norm(axes[j] ?? 0, s.length);
    len ??= s[a];
    if (first) batch = s[0];
  }
  if (len === undefined || len * batch === 0) return { refuse: 'Scan has no iterations (an empty sequence)' };
  if (len * batch > MAX_UNROLL) return { refuse: `Scan runs ${len * batch} steps (over ${MAX_UNROLL}, the most onnx2lite unrolls)` };
  return { ok: true };
}

function norm(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** Names a graph reads from enclosing scopes (its nested bodies' reads included). */
export function outerReads(g: Graph): string[] {
  const local = new Set<string>([...g.inputs.map((v) => v.name), ...g.initializers.keys()]);
  const reads: string[] = [];
  const read = (n: string) => { if (n && !local.has(n) && !reads.includes(n)) reads.push(n); };
  for (const n of g.nodes) {
    for (const i of n.inputs) read(i);
    for (const a of n.attrs.values()) {
      const subs = a.type === 'graph' ? [a.value] : a.type === 'graphs' ? a.value : [];
      for (const s of subs) for (const r of outerReads(s)) read(r);
    }
    for (const o of n.outputs) if (o) local.add(o);
  }
  for (const o of g.outputs) read(o.name);
  return reads;
}

// ---- copying nodes with renamed values ----

/** Names a graph defines itself (inputs, initializers, node outputs). */
function localNames(g: Graph): Set<string> {
  const s = new Set<string>([...g.inputs.map((v) => v.name), ...g.initializers.keys()]);
  for (const n of g.nodes) for (const o of n.outputs) if (o) s.add(o);
  return s;
}

/** A copy of a nested graph whose reads of outer names follow `map` (its own names stay). */
function renameOuter(g: Graph, map: Map<string, string>): Graph {
  const local = localNames(g);
  const r = (n: string) => (n && !local.has(n) ? map.get(n) ?? n : n);
  return {
    ...g,
    nodes: g.nodes.map((n) => ({ ...n, inputs: n.inputs.map(r), attrs: renameAttrs(n, map, local) })),
    outputs: g.outputs.map((o) => ({ ...o, name: r(o.name) })),
    values: new Map(g.values),
  };
}

function renameAttrs(n: Node, map: Map<string, string>, shadow: Set<string>): Node['attrs'] {
  let out: Node['attrs'] | undefined;
  const m = new Map([...map].filter(([k]) => !shadow.has(k)));
  for (const [k, a] of n.attrs) {
    if (a.type !== 'graph' && a.type !== 'graphs') continue;
    out ??= new Map(n.attrs);
    out.set(k, a.type === 'graph' ? { type: 'graph', value: renameOuter(a.value, m) } : { type: 'graphs', value: a.value.map((x) => renameOuter(x, m)) });
  }
  return out ?? n.attrs;
}

class Emitter {
  readonly nodes: Node[] = [];
  private k = 0;
  constructor(readonly host: Graph, readonly taken: Set<string>, readonly opset: number, readonly tag: string) {}

  fresh(base: string): string {
    let n = base;
    while (this.taken.has(n)) n = `${base}_${++this.k}`;
    this.taken.add(n);
    return n;
  }

  constant(t: Omit<Tensor, 'name'>, base: string): string {
    const name = this.fresh(base);
    this.host.initializers.set(name, { ...t, name });
    this.host.values.set(name, { name, dtype: t.dtype, shape: [...t.dims] });
    return name;
  }

  int64(v: number[], dims: number[], base: string): string {
    return this.constant({ dtype: 'int64', dims, data: BigInt64Array.from(v.map((x) => BigInt(x))) }, base);
  }

  node(opType: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = new Map()): void {
    this.nodes.push({ name: this.fresh(`${this.tag}/${opType}_${this.nodes.length}`), opType, domain: '', inputs, outputs, attrs });
  }

  /** Copies a body's initializers and nodes, reading `map` for its inputs; returns the name map it filled. */
  body(body: Graph, map: Map<string, string>, suffix: string): Map<string, string> {
    for (const [name, t] of body.initializers) {
      const nn = suffix === '' && unique.has(name) ? name : this.fresh(`${name}${suffix}`);
      this.host.initializers.set(nn, { ...t, name: nn });
      this.host.values.set(nn, { name: nn, dtype: t.dtype, shape: [...t.dims] });
      map.set(name, nn);
    }
    for (const n of body.nodes) {
      const inputs = n.inputs.map((i) => (i ? map.get(i) ?? i : i));
      const attrs = renameAttrs(n, map, new Set());
      const outputs = n.outputs.map((o) => {
        if (!o) return o;
        const nn = suffix === '' && unique.has(o) ? o : this.fresh(`${o}${suffix}`);
        map.set(o, nn);
        return nn;
      });
      this.nodes.push({ ...n, name: suffix === '' && unique.has(n.name) ? n.name : this.fresh(`${n.name}${suffix}`), inputs, outputs, attrs });
    }
    return map;
  }

  unsqueeze(x: string, axis: number): string {
    const out = this.fresh(`${x}__unsq`);
    if (this.opset >= 13) this.node('Unsqueeze', [x, this.int64([axis], [1], `${x}__unsq_axes`)], [out]);
    else this.node('Unsqueeze', [x], [out], new Map([['axes', { type: 'ints', value: [axis] }]]));
    return out;
  }

  gather(x: string, index: number, axis: number): string {
    const out = this.fresh(`${x}__at${index}`);
    this.node('Gather', [x, this.int64([index], [], `${x}__idx${index}`)], [out], new Map([['axis', { type: 'int', value: axis }]]));
    return out;
  }

  /** Stacks values along a new axis (Unsqueeze each, Concat) into `out`. */
  stack(parts: string[], axis: number, out: string): void {
    this.node('Concat', parts.map((p) => this.unsqueeze(p, axis)), [out], new Map([['axis', { type: 'int', value: axis }]]));
  }
}

/** Every name in the model (values and nodes, subgraphs included) with how many times it is defined. */
function allNames(g: Graph, out: Map<string, number>): void {
  for (const n of localNames(g)) out.set(n, (out.get(n) ?? 0) + 1);
  for (const n of g.nodes) {
    out.set(n.name, (out.get(n.name) ?? 0) + 1);
    for (const a of n.attrs.values()) {
      if (a.type === 'graph') allNames(a.value, out);
      else if (a.type === 'graphs') for (const s of a.value) allNames(s, out);
    }
  }
}

/**
 * Rewrites known-condition Ifs, unrollable Loops and Scans, in the graph and inside the bodies of what stays.
 * Returns a new model (its graph copied; the caller's stays as it was) or undefined when nothing changed.
 */
export function rewriteControlFlow(model: Model, consts: Consts): Model | undefined {
  const defs = new Map<string, number>();
  allNames(model.graph, defs);
  const taken = new Set(defs.keys());
  // Names defined once in the whole model keep their name when an If branch is inlined (the accuracy diff joins
  // on ONNX names); the others get a fresh one.
  for (const [k, n] of defs) if (n === 1) unique.add(k);
  const opset = model.opsets.get('') ?? model.opsets.get('ai.onnx') ?? 0;
  const graph = rewriteGraph(model.graph, consts, taken, opset);
  unique.clear();
  return graph ? { ...model, graph } : undefined;
}

const unique = new Set<string>();

function rewriteGraph(g: Graph, consts: Consts, taken: Set<string>, opset: number): Graph | undefined {
  const host: Graph = { ...g, initializers: new Map(g.initializers), values: new Map(g.values), nodes: [] };
  const budget = { added: 0 };
  const changed = rewriteInto(g.nodes, g, host, consts, taken, opset, budget);
  return changed && budget.added <= MAX_UNROLLED_NODES ? host : undefined;
}

/** Rewrites `nodes` into host.nodes; an inlined branch's own Ifs are rewritten in the same pass when their
 *  condition is known under their names (nested Ifs on shapes, as PyTorch exports them, fold in one pass). */
function rewriteInto(nodes: Node[], g: Graph, host: Graph, consts: Consts, taken: Set<string>, opset: number, budget: { added: number }): boolean {
  let changed = false;
  for (const node of nodes) {
    const em = new Emitter(host, taken, opset, node.name);
    let done = false;
    let inlined = false;
    if (node.opType === 'If' && (node.domain === '' || node.domain === 'ai.onnx')) {
      const c = knownCondition(node, g, consts);
      const branch = c === undefined ? undefined : graphAttr(node, c ? 'then_branch' : 'else_branch');
      if (branch && branch.outputs.length === node.outputs.length) {
        const map = em.body(branch, new Map(), '');
        branch.outputs.forEach((o, i) => { if (node.outputs[i]) em.node('Identity', [map.get(o.name) ?? o.name], [node.outputs[i]]); });
        done = true;
        inlined = true;
      }
    } else if (node.opType === 'Loop' && (node.domain === '' || node.domain === 'ai.onnx')) {
      const plan = loopPlan(node, g, consts);
      if ('unroll' in plan) { unrollLoop(node, plan.unroll, em); done = true; }
    } else if (node.opType === 'Scan' && (node.domain === '' || node.domain === 'ai.onnx')) {
      if ('ok' in scanPlan(node, g, opset)) { unrollScan(node, g, em, opset); done = true; }
    }
    if (done) {
      budget.added += em.nodes.length;
      if (budget.added > MAX_UNROLLED_NODES) return false;
      if (inlined) rewriteInto(em.nodes, host, host, consts, taken, opset, budget);
      else host.nodes.push(...em.nodes);
      changed = true;
      continue;
    }
    // Kept: rewrite inside its bodies.
    let attrs: Node['attrs'] | undefined;
    for (const [k, a] of node.attrs) {
      if (a.type !== 'graph') continue;
      const sub = rewriteGraph(a.value, consts, taken, opset);
      if (!sub) continue;
      attrs ??= new Map(node.attrs);
      attrs.set(k, { type: 'graph', value: sub });
    }
    if (attrs) changed = true;
    host.nodes.push(attrs ? { ...node, attrs } : node);
  }
  return changed;
}

function unrollLoop(node: Node, trips: number, em: Emitter): void {
  const body = graphAttr(node, 'body')!;
  const nCarried = node.inputs.length - 2;
  let cur = node.inputs.slice(2);
  const scans: string[][] = body.outputs.slice(1 + nCarried).map(() => []);
  const yes = em.constant({ dtype: 'bool', dims: [], data: Uint8Array.from([1]) }, `${node.name}__true`);
  for (let t = 0; t < trips; t++) {
    const map = new Map<string, string>();
    if (body.inputs[0]) map.set(body.inputs[0].name, em.int64([t], [], `${node.name}__iter${t}`));
    if (body.inputs[1]) map.set(body.inputs[1].name, yes);
    body.inputs.slice(2).forEach((v, j) => map.set(v.name, cur[j]));
    em.body(body, map, `__${t}`);
    const get = (n: string) => map.get(n) ?? n;
    cur = body.outputs.slice(1, 1 + nCarried).map((o) => get(o.name));
    body.outputs.slice(1 + nCarried).forEach((o, j) => scans[j].push(get(o.name)));
  }
  cur.forEach((c, j) => { if (node.outputs[j]) em.node('Identity', [c], [node.outputs[j]]); });
  scans.forEach((parts, j) => { if (node.outputs[nCarried + j]) em.stack(parts, 0, node.outputs[nCarried + j]); });
}

function unrollScan(node: Node, g: Graph, em: Emitter, opset: number): void {
  const body = graphAttr(node, 'body')!;
  const nScan = (node.attrs.get('num_scan_inputs') as { value: number }).value;
  const v8 = opset < 9;
  const ins = node.inputs.slice(v8 ? 1 : 0);
  const nState = ins.length - nScan;
  const nOut = body.outputs.length - nState;
  const inAxes = v8 ? [] : intsAttr(node, 'scan_input_axes') ?? [];
  const inDirs = intsAttr(node, v8 ? 'directions' : 'scan_input_directions') ?? [];
  const outAxes = v8 ? [] : intsAttr(node, 'scan_output_axes') ?? [];
  const outDirs = v8 ? [] : intsAttr(node, 'scan_output_directions') ?? [];
  const scanShape = (j: number) => g.values.get(ins[nState + j])!.shape as number[];
  const batch = v8 ? scanShape(0)[0] : 1;
  const perBatch: { states: string[]; outs: string[][] }[] = [];
  for (let b = 0; b < batch; b++) {
    const states0 = ins.slice(0, nState).map((s) => (v8 ? em.gather(s, b, 0) : s));
    const seqs = ins.slice(nState).map((s) => (v8 ? em.gather(s, b, 0) : s));
    const axes = seqs.map((_, j) => (v8 ? 0 : norm(inAxes[j] ?? 0, scanShape(j).length)));
    const len = v8 ? scanShape(0)[1] : scanShape(0)[axes[0]];
    let states = states0;
    const outs: string[][] = Array.from({ length: nOut }, () => []);
    for (let t = 0; t < len; t++) {
      const map = new Map<string, string>();
      body.inputs.slice(0, nState).forEach((v, i) => map.set(v.name, states[i]));
      body.inputs.slice(nState).forEach((v, j) => map.set(v.name, em.gather(seqs[j], inDirs[j] ? len - 1 - t : t, axes[j])));
      em.body(body, map, `__${b}_${t}`);
      const get = (n: string) => map.get(n) ?? n;
      states = body.outputs.slice(0, nState).map((o) => get(o.name));
      body.outputs.slice(nState).forEach((o, k) => outs[k].push(get(o.name)));
    }
    outs.forEach((parts, k) => { if (outDirs[k]) parts.reverse(); });
    perBatch.push({ states, outs });
  }
  const outRank = (k: number) => (body.values.get(body.outputs[nState + k].name)?.shape?.length ?? 0) + 1;
  if (!v8) {
    perBatch[0].states.forEach((s, i) => { if (node.outputs[i]) em.node('Identity', [s], [node.outputs[i]]); });
    perBatch[0].outs.forEach((parts, k) => {
      if (node.outputs[nState + k]) em.stack(parts, norm(outAxes[k] ?? 0, outRank(k)), node.outputs[nState + k]);
    });
    return;
  }
  for (let i = 0; i < nState; i++) if (node.outputs[i]) em.stack(perBatch.map((p) => p.states[i]), 0, node.outputs[i]);
  for (let k = 0; k < nOut; k++) {
    if (!node.outputs[nState + k]) continue;
    const rows = perBatch.map((p) => { const r = em.fresh(`${node.outputs[nState + k]}__row`); em.stack(p.outs[k], 0, r); return r; });
    em.stack(rows, 0, node.outputs[nState + k]);
  }
}

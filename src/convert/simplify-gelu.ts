// ONNX-level pattern: GELU written out with elementwise ops becomes one `Gelu` node (TFLite GELU).
// PyTorch below opset 20 exports GELU as x·0.5·(1 + erf(x/√2)) (Div by √2 or Mul by 1/√2, the 0.5 and the x
// multiplied in any order and on either side) and the tanh approximation as
// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (Pow or Mul for the cube, any grouping). Rather than list orderings,
// the matcher takes the region of single-variable elementwise ops (with scalar constants) around each Erf or Tanh,
// evaluates each candidate output as a function of the candidate input in float64 at sample points, and fuses when it
// is GELU (exact for Erf, tanh-approximate for Tanh). The output's node becomes Gelu(x); the region's other nodes
// go when nothing else reads them (an intermediate shared with other consumers stays for them).
import type { Graph, Node, Tensor } from '../ir/types';
import { toNumbers } from '../ir/tensor';
import { erf } from '../core/erf';
import { folded } from './simplify-util';

const UNARY: Record<string, (a: number) => number> = {
  Erf: erf, Tanh: Math.tanh, Sqrt: Math.sqrt, Neg: (a) => -a, Reciprocal: (a) => 1 / a, Identity: (a) => a,
};
const BINARY: Record<string, (a: number, b: number) => number> = {
  Add: (a, b) => a + b, Sub: (a, b) => a - b, Mul: (a, b) => a * b, Div: (a, b) => a / b, Pow: (a, b) => a ** b,
};
const SAMPLES = [-5, -3.1, -2.2, -1.3, -0.7, -0.25, 0, 0.1, 0.45, 0.9, 1.6, 2.4, 3.7];
const MAX_REGION = 64;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

const geluExact = (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2));
const geluTanh = (x: number) => 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));

/** Float32 constants have ~1e-7 relative error; the two GELU forms differ by up to ~5e-4. */
function matches(f: (x: number) => number, values: number[]): boolean {
  return SAMPLES.every((x, i) => Math.abs(values[i] - f(x)) <= 1e-5 * (1 + Math.abs(f(x))));
}

interface Match {
  x: string;
  out: Node;
  nodes: Set<Node>;
  approximate: boolean;
}

export function fuseGelu(g: Graph, constants: Map<string, Tensor>): void {
  const producer = new Map<string, Node>();
  const consumers = new Map<string, Node[]>();
  const order = new Map<Node, number>();
  g.nodes.forEach((n, k) => {
    order.set(n, k);
    for (const o of n.outputs) producer.set(o, n);
    if (folded(n, constants)) return;
    for (const i of n.inputs) if (i) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  });
  const graphOut = new Set(g.outputs.map((o) => o.name));
  const drop = new Set<Node>();
  const scalar = (v: string): number | undefined => {
    const c = constants.get(v);
    if (!c || !(c.dtype === 'float32' || c.dtype === 'float64' || c.dtype === 'float16') || c.dims.reduce((a, b) => a * b, 1) !== 1) return undefined;
    return toNumbers(c)[0];
  };
  const isFn = (n: Node | undefined): n is Node => !!n && !drop.has(n) && (n.domain === '' || n.domain === 'ai.onnx')
    && (n.opType in UNARY ? n.inputs.length === 1 : n.opType in BINARY && n.inputs.length === 2) && n.outputs.length === 1;

  /** Nodes computing functions of x alone (scalar constants aside), found forward from x. */
  function region(x: string): Node[] {
    const vals = new Set([x]);
    const nodes: Node[] = [];
    for (let changed = true; changed && nodes.length < MAX_REGION;) {
      changed = false;
      for (const v of [...vals]) {
        for (const n of consumers.get(v) ?? []) {
          if (nodes.includes(n) || !isFn(n)) continue;
          if (!n.inputs.every((i) => vals.has(i) || scalar(i) !== undefined)) continue;
          nodes.push(n);
          vals.add(n.outputs[0]);
          changed = true;
        }
      }
    }
    return nodes.sort((a, b) => order.get(a)! - order.get(b)!);
  }

  /** The nodes of `inRegion` that `out` depends on (out's producer included). */
  function cone(out: Node, inRegion: Set<Node>): Set<Node> {
    const seen = new Set<Node>();
    const stack = [out];
    while (stack.length) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      for (const i of n.inputs) {
        const p = producer.get(i);
        if (p && inRegion.has(p)) stack.push(p);
      }
    }
    return seen;
  }

  function evaluate(x: string, nodes: Node[], out: string): number[] {
    return SAMPLES.map((xv) => {
      const v = new Map<string, number>([[x, xv]]);
      const get = (name: string) => v.get(name) ?? scalar(name)!;
      for (const n of nodes) {
        const r = n.opType in UNARY ? UNARY[n.opType](get(n.inputs[0])) : BINARY[n.opType](get(n.inputs[0]), get(n.inputs[1]));
        v.set(n.outputs[0], r);
      }
      return v.get(out)!;
    });
  }

  /** Candidate inputs: the values behind the Erf/Tanh through a few elementwise ops. */
  function candidates(e: Node): string[] {
    const out: string[] = [];
    let level = [e.inputs[0]];
    for (let depth = 0; depth < 5 && level.length; depth++) {
      const next: string[] = [];
      for (const v of level) {
        if (out.includes(v) || scalar(v) !== undefined) continue;
        out.push(v);
        const p = producer.get(v);
        if (isFn(p)) next.push(...p.inputs);
      }
      level = next;
    }
    return out;
  }

  function matchAround(e: Node): Match | undefined {
    const approximate = e.opType === 'Tanh';
    for (const x of candidates(e)) {
      const dt = g.values.get(x)?.dtype;
      if (dt !== 'float32') continue;
      const nodes = region(x);
      const inRegion = new Set(nodes);
      if (!inRegion.has(e)) continue;
      for (const out of nodes) {
        const c = cone(out, inRegion);
        if (!c.has(e)) continue;
        const ordered = nodes.filter((n) => c.has(n));
        if (!matches(approximate ? geluTanh : geluExact, evaluate(x, ordered, out.outputs[0]))) continue;
        const xs = g.values.get(x)?.shape;
        const os = g.values.get(out.outputs[0])?.shape;
        if (xs && os && xs.join() !== os.join()) continue;
        return { x, out, nodes: c, approximate };
      }
    }
    return undefined;
  }

  const unuse = (v: string, n: Node) => consumers.set(v, (consumers.get(v) ?? []).filter((u) => u !== n));
  for (const e of g.nodes) {
    if (e.opType !== 'Erf' && e.opType !== 'Tanh') continue;
    // Several GELUs may share this Erf (an exporter's common-subexpression pass): fuse each.
    for (let m = isFn(e) ? matchAround(e) : undefined; m; m = isFn(e) ? matchAround(e) : undefined) {
      const { x, out } = m;
      for (const i of out.inputs) unuse(i, out);
      out.opType = 'Gelu';
      out.domain = '';
      out.inputs = [x];
      out.attrs = new Map([['approximate', { type: 'string', value: m.approximate ? 'tanh' : 'none' }]]);
      consumers.set(x, [...(consumers.get(x) ?? []), out]);
      // What only the GELU read goes (latest first, so that its inputs lose their last reader in turn).
      const rest = [...m.nodes].filter((n) => n !== out).sort((a, b) => order.get(b)! - order.get(a)!);
      for (const n of rest) {
        if (graphOut.has(n.outputs[0]) || (consumers.get(n.outputs[0]) ?? []).length) continue;
        drop.add(n);
        for (const i of n.inputs) unuse(i, n);
      }
    }
  }
  if (drop.size) g.nodes = g.nodes.filter((n) => !drop.has(n));
}

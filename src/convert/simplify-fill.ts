// `x + zeros_like(y)`, `x * exp(-zeros_like(y))`: VITS' WaveNet (its `fused_add_tanh_sigmoid_multiply(x_in,
// zeros_like(x_in))` without a speaker, `output = zeros_like(x)` summed into) and mean-only coupling flows
// (`logs = zeros_like(m)`, `x1 * exp(-logs)`) add zeros and multiply by ones made by ConstantOfShape of a Shape.
// On a length known only at run time that fill cannot fold; it is made in ONNX order and each Add / Mul with the
// channel-last value took a TRANSPOSE (24 in Piper x_low's flows). When the fill, through Neg / Exp, is the op's
// identity (0 for Add and Sub's right side, 1 for Mul and Div's right side) and does not broadcast the other operand
// to a larger shape, the op is that operand (an Identity).
import type { Graph, Node, Tensor } from '../ir/types';
import { toNumbers } from '../ir/tensor';
import { readersOf } from './simplify-util';

const IDENTITY: Record<string, { value: number; sides: number[] }> = {
  Add: { value: 0, sides: [0, 1] }, Sub: { value: 0, sides: [1] }, Mul: { value: 1, sides: [0, 1] }, Div: { value: 1, sides: [1] },
};

/** The one value a ConstantOfShape fill holds after Neg / Exp, with the Shape's input it is sized by; else undefined. */
function fillOf(v: string, producer: Map<string, Node>): { value: number; like: string } | undefined {
  const n = producer.get(v);
  if (!n) return undefined;
  if (n.opType === 'Neg' || n.opType === 'Exp') {
    const f = fillOf(n.inputs[0], producer);
    return f && { value: n.opType === 'Neg' ? -f.value : Math.exp(f.value), like: f.like };
  }
  if (n.opType !== 'ConstantOfShape') return undefined;
  const shape = producer.get(n.inputs[0]);
  if (shape?.opType !== 'Shape' || shape.attrs.has('start') || shape.attrs.has('end')) return undefined;
  const a = n.attrs.get('value');
  const value = a === undefined ? 0 : a.type === 'tensor' ? toNumbers(a.value as Tensor)[0] : undefined;
  return value === undefined ? undefined : { value, like: shape.inputs[0] };
}

/** `v` is `like` or made from it by broadcasting elementwise ops (a few steps back): its shape contains like's, so a
 *  fill sized like `like` broadcasts to v's shape. Shape inference gives each run-time length a new symbol per op, so
 *  comparing the symbols would miss `(x1 - m) * exp(-zeros_like(m))`. */
function covers(v: string, like: string, producer: Map<string, Node>, depth = 4): boolean {
  if (v === like) return true;
  const n = producer.get(v);
  return depth > 0 && !!n && n.opType in IDENTITY && n.inputs.some((i) => !!i && covers(i, like, producer, depth - 1));
}

export function dropFillIdentities(g: Graph, constants: Map<string, Tensor>): void {
  const { producer } = readersOf(g, constants);
  const shapeOf = (v: string) => g.values.get(v)?.shape;
  const same = (a: string, b: string) => {
    const [x, y] = [shapeOf(a), shapeOf(b)];
    return !!x && !!y && x.length === y.length && x.every((d, i) => d === y[i]);
  };
  for (const n of g.nodes) {
    const rule = IDENTITY[n.opType];
    if (!rule || n.inputs.length !== 2 || g.values.get(n.outputs[0])?.dtype !== 'float32') continue;
    for (const side of rule.sides) {
      const f = fillOf(n.inputs[side], producer);
      const kept = n.inputs[1 - side];
      // The fill is sized like the kept operand or like a value the kept one was broadcast from (or both carry the
      // same dims, symbols alike): the op neither broadcasts nor changes the kept value.
      if (!f || f.value !== rule.value || !(covers(kept, f.like, producer) || same(f.like, kept))) continue;
      n.opType = 'Identity';
      n.inputs = [kept];
      n.attrs = new Map();
      break;
    }
  }
}

// Control flow: If (branches merged), Loop (carried values and stacked scan outputs), Scan (opset 8 and 9+),
// plus the sequence/optional ops, whose values are not tensors and so have no tensor shape.
import { Dim, Graph, Shape } from '../types';
import { OutInfo, ShapeCtx, attrInt, attrInts, register } from './context';
import { mergeShapes, normAxis } from './dims';

function graphAttr(c: ShapeCtx, name: string): Graph | undefined {
  const a = c.attr(name);
  return a?.type === 'graph' ? a.value : undefined;
}

register('If', (c) => {
  const t = graphAttr(c, 'then_branch');
  const e = graphAttr(c, 'else_branch');
  if (!t || !e) return [];
  // A known condition (--input-value sr=16000): only the branch taken is inferred, the other is dropped anyway.
  const cond = c.value(0);
  if (cond && !Array.isArray(cond.data) && cond.data.length === 1) return c.subgraph(cond.data[0] ? t : e, []);
  const a = c.subgraph(t, []);
  const b = c.subgraph(e, []);
  return a.map((o, i) => ({ dtype: o.dtype ?? b[i]?.dtype, shape: mergeShapes(o.shape, b[i]?.shape, c.namer) }));
});

/** The body's condition output just passes its condition input on (so only the trip count ends the loop). */
function condPassThrough(body: Graph): boolean {
  const cin = body.inputs[1]?.name;
  const cout = body.outputs[0]?.name;
  if (!cin || !cout) return false;
  if (cin === cout) return true;
  const producer = body.nodes.find((n) => n.outputs.includes(cout));
  return producer?.opType === 'Identity' && producer.inputs[0] === cin;
}

function sameShape(a: Shape | undefined, b: Shape | undefined): boolean {
  return a === b || (!!a && !!b && a.length === b.length && a.every((d, i) => d === b[i]));
}

register('Loop', (c) => {
  const body = graphAttr(c, 'body');
  if (!body) return [];
  const carried = c.count - 2;
  const inputs: OutInfo[] = [{ dtype: 'int64', shape: [] }, { dtype: 'bool', shape: [] }];
  for (let i = 0; i < carried; i++) inputs.push({ dtype: c.dtype(2 + i), shape: c.shape(2 + i) });
  let outs = c.subgraph(body, inputs);
  // A carried value whose shape changes from one iteration to the next (torchvision's RoI loops grow a [0, 3, 17]
  // by a row each time): the body is inferred again with those dims unknown, so that nothing in it is taken for the
  // first iteration's shapes (nor folded as an empty constant).
  const again = inputs.map((v, i) => (i < 2 ? v : { dtype: v.dtype, shape: mergeShapes(outs[i - 1]?.shape, v.shape, c.namer) }));
  if (again.some((v, i) => i >= 2 && !sameShape(v.shape, inputs[i].shape))) outs = c.subgraph(body, again);
  const m = c.has(0) ? c.dims(0)?.[0] : undefined;
  const bounded = !c.has(1) || condPassThrough(body);
  const trips: Dim = m !== undefined && bounded ? m : c.namer.make();
  const result: OutInfo[] = [];
  for (let i = 0; i < carried; i++) {
    const o = outs[1 + i];
    const stable = mergeShapes(o?.shape, c.shape(2 + i), c.namer);
    result.push({ dtype: o?.dtype ?? c.dtype(2 + i), shape: stable });
  }
  for (let k = 1 + carried; k < outs.length; k++) {
    const o = outs[k];
    result.push({ dtype: o.dtype, shape: o.shape ? [trips, ...o.shape] : undefined });
  }
  return result;
});

register('Scan', (c) => {
  const body = graphAttr(c, 'body');
  if (!body) return [];
  const nScan = attrInt(c, 'num_scan_inputs', 0);
  const v8 = c.opset < 9;
  const first = v8 ? 1 : 0;
  const nState = c.count - first - nScan;
  const inAxes = attrInts(c, 'scan_input_axes') ?? Array(nScan).fill(0);
  const inputs: OutInfo[] = [];
  let seq: Dim | undefined;
  let batch: Dim | undefined;
  for (let i = 0; i < nState; i++) {
    const s = c.shape(first + i);
    if (v8 && s) batch = s[0];
    inputs.push({ dtype: c.dtype(first + i), shape: v8 ? s?.slice(1) : s });
  }
  for (let j = 0; j < nScan; j++) {
    const s = c.shape(first + nState + j);
    let slice: Shape | undefined;
    if (s) {
      const a = v8 ? 1 : normAxis(inAxes[j], s.length);
      seq ??= s[a];
      if (v8) batch ??= s[0];
      slice = s.filter((_, i) => i !== a && !(v8 && i === 0));
    }
    inputs.push({ dtype: c.dtype(first + nState + j), shape: slice });
  }
  const outs = c.subgraph(body, inputs);
  const outAxes = attrInts(c, 'scan_output_axes') ?? [];
  const len = seq ?? c.namer.make();
  return outs.map((o, k) => {
    if (!o.shape) return { dtype: o.dtype };
    if (k < nState) return { dtype: o.dtype, shape: v8 ? [batch ?? c.namer.make(), ...o.shape] : o.shape };
    const shape = [...o.shape];
    const r = shape.length + 1;
    shape.splice(normAxis(outAxes[k - nState] ?? 0, r), 0, len);
    return { dtype: o.dtype, shape: v8 ? [batch ?? c.namer.make(), ...shape] : shape };
  });
});

// Sequence and optional values are not tensors: they get no tensor shape, without a warning.
register(['SequenceEmpty', 'SequenceConstruct', 'SequenceInsert', 'SequenceErase', 'SplitToSequence', 'Optional',
  'SequenceMap'], (c) => c.node.outputs.map(() => ({})));
register(['SequenceAt', 'ConcatFromSequence', 'OptionalGetElement'], () => [{}]);
register('SequenceLength', () => [{ dtype: 'int64', shape: [] }]);
register('OptionalHasElement', () => [{ dtype: 'bool', shape: [] }]);

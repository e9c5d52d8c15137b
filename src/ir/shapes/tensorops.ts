// Shape-manipulating ops: Reshape, Flatten, Squeeze/Unsqueeze, Transpose, Concat, Split, Slice, Tile, Pad,
// Expand, DepthToSpace/SpaceToDepth, Shape/Size, Constant, ConstantOfShape, Range.
import { toNumbers } from '../tensor';
import { Dim, ModelError, Shape } from '../types';
import { OutInfo, ShapeCtx, attrInt, attrInts, attrOrInput, attrStr, intsOf, like, register } from './context';
import { broadcastShapes, dimAdd, dimMap, divideProducts, isNum, normAxis, product } from './dims';

register('Reshape', (c) => {
  const x = c.shape(0);
  const target = c.opset >= 5 ? c.dims(1) : attrInts(c, 'shape');
  if (!target) {
    const s = c.shape(1);
    const rank = s && isNum(s[0]) ? s[0] : undefined;
    return [{ dtype: c.dtype(0), shape: rank === undefined ? undefined : Array.from({ length: rank }, () => c.namer.make()) }];
  }
  const allowzero = attrInt(c, 'allowzero', 0) === 1;
  const out: Dim[] = target.map((d, i) => (d === 0 && !allowzero ? (x ? x[i] : c.namer.make()) : d));
  const m = out.indexOf(-1);
  if (m >= 0) {
    if (!x) out[m] = c.namer.make();
    else out[m] = divideProducts(product(x), product(out.filter((_, i) => i !== m)), c.namer);
  }
  if (out.some((d) => typeof d === 'number' && d < 0)) throw new ModelError(`Reshape target ${JSON.stringify(target)} has a negative dim`);
  return [{ dtype: c.dtype(0), shape: out }];
});

register('Flatten', (c) => {
  const x = c.shape(0);
  if (!x) return [{ dtype: c.dtype(0), shape: [c.namer.make(), c.namer.make()] }];
  const a = attrInt(c, 'axis', 1);
  const axis = a < 0 ? a + x.length : a;
  const outer = x.slice(0, axis);
  const inner = x.slice(axis);
  const one = { n: 1, syms: [] };
  return [{ dtype: c.dtype(0), shape: [divideProducts(product(outer), one, c.namer), divideProducts(product(inner), one, c.namer)] }];
});

function axesArg(c: ShapeCtx): number[] | null | undefined {
  return c.opset >= 13 ? (c.has(1) ? intsOf(c, 1) : null) : attrInts(c, 'axes') ?? null;
}

register('Squeeze', (c) => {
  const x = c.shape(0);
  const axes = axesArg(c);
  if (!x || axes === undefined) return [{ dtype: c.dtype(0) }];
  const drop = axes === null ? x.flatMap((d, i) => (d === 1 ? [i] : [])) : axes.map((a) => normAxis(a, x.length));
  if (axes === null && x.some((d) => !isNum(d))) c.warn('Squeeze without axes on symbolic dims: assuming they are not 1');
  return [{ dtype: c.dtype(0), shape: x.filter((_, i) => !drop.includes(i)) }];
});

register('Unsqueeze', (c) => {
  const x = c.shape(0);
  const axes = axesArg(c);
  if (!x || !axes) return [{ dtype: c.dtype(0) }];
  const r = x.length + axes.length;
  const set = new Set(axes.map((a) => normAxis(a, r)));
  const out: Shape = [];
  let j = 0;
  for (let i = 0; i < r; i++) out.push(set.has(i) ? 1 : x[j++]);
  return [{ dtype: c.dtype(0), shape: out }];
});

register('Transpose', (c) => {
  const x = c.shape(0);
  if (!x) return [{ dtype: c.dtype(0) }];
  const perm = attrInts(c, 'perm') ?? x.map((_, i) => x.length - 1 - i);
  if (perm.length !== x.length) throw new ModelError(`perm ${JSON.stringify(perm)} does not match rank ${x.length}`);
  return [{ dtype: c.dtype(0), shape: perm.map((p) => x[p]) }];
});

register('Concat', (c) => {
  let shapes = [...Array(c.count).keys()].filter((i) => c.has(i)).map((i) => c.shape(i));
  // PyTorch's legacy empty tensor (1-D, no elements) joins tensors of any rank in torch.cat: it adds nothing.
  if (shapes.some((s) => s && s.length > 1)) shapes = shapes.filter((s) => !(s && s.length === 1 && s[0] === 0));
  const dtype = c.dtype(0);
  const first = shapes.find((s) => s);
  if (!first) return [{ dtype }];
  const axis = normAxis(attrInt(c, 'axis', 0), first.length);
  if (shapes.some((s) => !s)) return [{ dtype, shape: first.map((d, i) => (i === axis ? c.namer.make() : d)) }];
  let total: Dim = 0;
  for (const s of shapes as Shape[]) total = dimAdd(total, s[axis], c.namer);
  const out = first.map((d, i) => {
    if (i === axis) return total;
    const num = (shapes as Shape[]).map((s) => s[i]).find(isNum);
    return num ?? d;
  });
  return [{ dtype, shape: out }];
});

register('Split', (c) => {
  const x = c.shape(0);
  const n = c.node.outputs.length;
  const dtype = c.dtype(0);
  if (!x) return c.node.outputs.map(() => ({ dtype }));
  const axis = normAxis(attrInt(c, 'axis', 0), x.length);
  const split = c.opset >= 13 ? (c.has(1) ? intsOf(c, 1) : null) : attrInts(c, 'split') ?? null;
  const at = (d: Dim) => x.map((v, i) => (i === axis ? d : v));
  if (split) return split.map((d) => ({ dtype, shape: at(d) }));
  if (split === undefined) return c.node.outputs.map(() => ({ dtype, shape: at(c.namer.make()) }));
  const total = x[axis];
  const parts = attrInt(c, 'num_outputs', n);
  if (!isNum(total)) return c.node.outputs.map(() => ({ dtype, shape: at(c.namer.make()) }));
  const size = Math.ceil(total / parts);
  return c.node.outputs.map((_, i) => ({ dtype, shape: at(Math.max(0, Math.min(size, total - size * i))) }));
});

function clampStart(s: number, d: number, step: number): number {
  const v = s < 0 ? s + d : s;
  return step > 0 ? Math.min(Math.max(v, 0), d) : Math.min(Math.max(v, -1), d - 1);
}

register('Slice', (c) => {
  const x = c.shape(0);
  const dtype = c.dtype(0);
  if (!x) return [{ dtype }];
  const starts = c.opset >= 10 ? intsOf(c, 1) : attrInts(c, 'starts');
  const ends = c.opset >= 10 ? intsOf(c, 2) : attrInts(c, 'ends');
  const axesIn = c.opset >= 10 ? attrOrInputNoAttr(c, 3) : attrInts(c, 'axes') ?? null;
  const steps = c.opset >= 10 && c.has(4) ? intsOf(c, 4) : null;
  if (!starts || !ends || axesIn === undefined || steps === undefined) {
    const axes = axesIn ?? (starts ? starts.map((_, i) => i) : null);
    if (!axes) return [{ dtype, shape: x.map(() => c.namer.make()) }];
    const set = new Set(axes.map((a) => normAxis(a, x.length)));
    return [{ dtype, shape: x.map((d, i) => (set.has(i) ? c.namer.make() : d)) }];
  }
  const axes = axesIn ?? starts.map((_, i) => i);
  const out = [...x];
  axes.forEach((a0, i) => {
    const a = normAxis(a0, x.length);
    const step = steps?.[i] ?? 1;
    if (step === 0) throw new ModelError('Slice step is 0');
    out[a] = dimMap([x[a]], (d) => {
      const s = clampStart(starts[i], d, step);
      const e = clampStart(ends[i], d, step);
      return Math.max(0, Math.ceil((e - s) / step));
    }, c.namer);
    if (!isNum(x[a]) && starts[i] === 0 && step === 1 && ends[i] >= 2 ** 31 - 1) out[a] = x[a];
  });
  return [{ dtype, shape: out }];
});

function attrOrInputNoAttr(c: ShapeCtx, i: number): number[] | null | undefined {
  return c.has(i) ? intsOf(c, i) : null;
}

register('Tile', (c) => {
  const x = c.shape(0);
  const reps = c.dims(1);
  if (!x) return [{ dtype: c.dtype(0) }];
  if (!reps) return [{ dtype: c.dtype(0), shape: x.map(() => c.namer.make()) }];
  return [{ dtype: c.dtype(0), shape: x.map((d, i) => (reps[i] === 1 ? d : dimMap([d, reps[i]], (a, b) => a * b, c.namer, 'mul'))) }];
});

register('Pad', (c) => {
  const x = c.shape(0);
  if (!x) return [{ dtype: c.dtype(0) }];
  const pads = c.opset >= 11 ? intsOf(c, 1) : attrInts(c, 'pads') ?? attrInts(c, 'paddings');
  const axesArg2 = c.opset >= 18 && c.has(3) ? intsOf(c, 3) : null;
  if (!pads || axesArg2 === undefined) return [{ dtype: c.dtype(0), shape: x.map(() => c.namer.make()) }];
  const axes = (axesArg2 ?? x.map((_, i) => i)).map((a) => normAxis(a, x.length));
  const out = [...x];
  axes.forEach((a, i) => {
    const add = pads[i] + pads[i + axes.length];
    out[a] = add === 0 ? x[a] : dimMap([x[a]], (d) => d + add, c.namer, `add${add}`);
  });
  return [{ dtype: c.dtype(0), shape: out }];
});

register('Expand', (c) => {
  const x = c.shape(0);
  const target = c.dims(1);
  if (!x || !target) {
    const s = c.shape(1);
    return [{ dtype: c.dtype(0), shape: s && isNum(s[0]) && x ? Array.from({ length: Math.max(s[0], x.length) }, () => c.namer.make()) : undefined }];
  }
  return [{ dtype: c.dtype(0), shape: broadcastShapes([x, target], c.namer) }];
});

function blocks(c: ShapeCtx, toDepth: boolean): OutInfo[] {
  const x = c.shape(0);
  const b = attrInt(c, 'blocksize', 1);
  if (!x || x.length !== 4) return [{ dtype: c.dtype(0) }];
  const [n, ch, h, w] = x;
  if (toDepth) {
    return [{ dtype: c.dtype(0), shape: [n, dimMap([ch], (v) => v * b * b, c.namer, `mul${b * b}`), dimMap([h], (v) => v / b, c.namer, `div${b}`), dimMap([w], (v) => v / b, c.namer, `div${b}`)] }];
  }
  return [{ dtype: c.dtype(0), shape: [n, dimMap([ch], (v) => v / (b * b), c.namer, `div${b * b}`), dimMap([h], (v) => v * b, c.namer, `mul${b}`), dimMap([w], (v) => v * b, c.namer, `mul${b}`)] }];
}
register('DepthToSpace', (c) => blocks(c, false));
register('SpaceToDepth', (c) => blocks(c, true));

register('Shape', (c) => {
  const x = c.shape(0);
  if (!x) return [{ dtype: 'int64', shape: [c.namer.make()] }];
  const r = x.length;
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
  const s = clamp(attrInt(c, 'start', 0));
  const e = clamp(attrInt(c, 'end', r));
  return [{ dtype: 'int64', shape: [Math.max(0, e - s)] }];
});
register('Size', () => [{ dtype: 'int64', shape: [] }]);

register('Constant', (c) => {
  for (const [k, a] of c.node.attrs) {
    if (a.type === 'tensor') return [{ dtype: a.value.dtype, shape: [...a.value.dims] }];
    if (k === 'value_string') return [{ dtype: 'string', shape: [] }];
    if (k === 'value_strings' && a.type === 'strings') return [{ dtype: 'string', shape: [a.value.length] }];
  }
  return [{}];
});

register('ConstantOfShape', (c) => {
  const a = c.attr('value');
  const dtype = a?.type === 'tensor' ? a.value.dtype : 'float32';
  const target = c.dims(0);
  if (target) return [{ dtype, shape: target }];
  const s = c.shape(0);
  return [{ dtype, shape: s && isNum(s[0]) ? Array.from({ length: s[0] }, () => c.namer.make()) : undefined }];
});

register('Range', (c) => {
  const [s, l, d] = [0, 1, 2].map((i) => c.value(i));
  if (s && l && d) {
    const [a, b, step] = [s, l, d].map((t) => toNumbers(t)[0]);
    return [{ dtype: c.dtype(0), shape: [Math.max(0, Math.ceil((b - a) / step))] }];
  }
  return [{ dtype: c.dtype(0), shape: [c.namer.make()] }];
});


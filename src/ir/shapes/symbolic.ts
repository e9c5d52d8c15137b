// Symbolic shape values: the int64 vectors that Shape produces from tensors with symbolic dims, traced
// through the usual glue (Gather, Slice, Concat, Unsqueeze, Squeeze, Cast, simple arithmetic, Equal/Where) so that
// Reshape/Expand/ConstantOfShape downstream still get 'batch' rather than an unknown.
import { Dim, Node } from '../types';
import { ShapeCtx, attrInt, attrInts } from './context';
import { dimMul, isNum } from './dims';

function clampIdx(v: number, len: number): number {
  return Math.min(Math.max(v < 0 ? v + len : v, 0), len);
}

/** The symbolic value of output 0 of `node`, when it is a short integer vector of dims. */
export function traceDims(node: Node, c: ShapeCtx): Dim[] | undefined {
  if (node.domain !== '') return undefined;
  switch (node.opType) {
    case 'Shape': {
      const s = c.shape(0);
      if (!s) return undefined;
      const start = clampIdx(attrInt(c, 'start', 0), s.length);
      const end = clampIdx(attrInt(c, 'end', s.length), s.length);
      return s.slice(start, Math.max(start, end));
    }
    case 'Identity': case 'Cast': case 'Squeeze': case 'Unsqueeze': case 'Reshape': case 'Flatten':
      return c.dims(0) && (c.shape(0)?.length ?? 0) <= 1 ? c.dims(0) : undefined;
    case 'Gather': {
      const d = c.dims(0);
      const idx = c.dims(1);
      if (!d || !idx || !idx.every(isNum)) return undefined;
      const out = (idx as number[]).map((i) => d[i < 0 ? i + d.length : i]);
      return out.every((x) => x !== undefined) ? out : undefined;
    }
    case 'Slice': {
      const d = c.dims(0);
      const starts = c.opset >= 10 ? c.dims(1) : attrInts(c, 'starts');
      const ends = c.opset >= 10 ? c.dims(2) : attrInts(c, 'ends');
      const steps = c.opset >= 10 && c.has(4) ? c.dims(4) : [1];
      if (!d || !starts?.every(isNum) || !ends?.every(isNum) || !steps?.every(isNum) || steps[0] !== 1) return undefined;
      const s = clampIdx(starts[0] as number, d.length);
      const e = clampIdx(ends[0] as number, d.length);
      return d.slice(s, Math.max(s, e));
    }
    case 'Concat': {
      const parts: Dim[] = [];
      for (let i = 0; i < c.count; i++) {
        const d = c.dims(i);
        const s = c.shape(i);
        // A part computed from data (a box's rounded width in torchvision's RoI paste) is a dim known at run time:
        // one fresh name per element keeps the parts that are known (a resize's [N, C, h, w] keeps N and C).
        if (!d && s && s.length <= 1 && s.every(isNum) && (s.length === 0 || (s[0] as number) <= 8)) parts.push(...Array.from({ length: s.length ? (s[0] as number) : 1 }, () => c.namer.make()));
        else if (!d) return undefined;
        else parts.push(...d);
      }
      return parts;
    }
    case 'Mul': case 'Add': case 'Sub': case 'Div': {
      const a = c.dims(0);
      const b = c.dims(1);
      if (!a || !b) return undefined;
      const n = Math.max(a.length, b.length);
      if ((a.length !== n && a.length !== 1) || (b.length !== n && b.length !== 1)) return undefined;
      const out: Dim[] = [];
      for (let i = 0; i < n; i++) {
        const x = a[a.length === 1 ? 0 : i];
        const y = b[b.length === 1 ? 0 : i];
        if (isNum(x) && isNum(y)) {
          out.push(node.opType === 'Mul' ? x * y : node.opType === 'Add' ? x + y : node.opType === 'Sub' ? x - y : Math.trunc(x / y));
        } else if (node.opType === 'Mul') out.push(dimMul(x, y, c.namer));
        else if ((node.opType === 'Add' || node.opType === 'Sub') && y === 0) out.push(x);
        else if (node.opType === 'Div' && y === 1) out.push(x);
        else if (node.opType === 'Add' && x === 0) out.push(y);
        else out.push(c.namer.make());
      }
      return out;
    }
    case 'Equal': {
      // As 0/1, where the answer is known: two numbers, or a symbolic dim (a size, never negative) against a
      // negative number (torchvision's expand(n, C, H, W) tests its sizes against -1).
      const a = c.dims(0);
      const b = c.dims(1);
      if (!a || !b || a.length !== b.length) return undefined;
      const out: number[] = [];
      for (let i = 0; i < a.length; i++) {
        const [x, y] = [a[i], b[i]];
        if (isNum(x) && isNum(y)) out.push(x === y ? 1 : 0);
        else if ((isNum(x) && x < 0) || (isNum(y) && y < 0)) out.push(0);
        else return undefined;
      }
      return out;
    }
    case 'Where': {
      const cond = c.dims(0);
      const a = c.dims(1);
      const b = c.dims(2);
      if (!cond || !a || !b || !cond.every(isNum)) return undefined;
      const n = Math.max(cond.length, a.length, b.length);
      if ([cond, a, b].some((v) => v.length !== n && v.length !== 1)) return undefined;
      const at = (v: Dim[], i: number) => v[v.length === 1 ? 0 : i];
      return Array.from({ length: n }, (_, i) => (at(cond, i) ? at(a, i) : at(b, i)));
    }
    default:
      return undefined;
  }
}

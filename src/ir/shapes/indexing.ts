// Indexing and selection ops: Gather family, TopK, ArgMax/ArgMin, NonZero, OneHot, Compress, Unique,
// NonMaxSuppression, and the data-dependent ops whose sizes need fresh symbolic dims.
import { toNumbers } from '../tensor';
import { DType, Dim, Shape } from '../types';
import { OutInfo, ShapeCtx, attrInt, attrInts, register } from './context';
import { isNum, normAxis } from './dims';

register('Gather', (c) => {
  const x = c.shape(0);
  const idx = c.shape(1);
  if (!x || !idx) return [{ dtype: c.dtype(0) }];
  const a = normAxis(attrInt(c, 'axis', 0), x.length);
  return [{ dtype: c.dtype(0), shape: [...x.slice(0, a), ...idx, ...x.slice(a + 1)] }];
});
register('GatherElements', (c) => [{ dtype: c.dtype(0), shape: c.shape(1) }]);
register('GatherND', (c) => {
  const x = c.shape(0);
  const idx = c.shape(1);
  const b = attrInt(c, 'batch_dims', 0);
  if (!x || !idx) return [{ dtype: c.dtype(0) }];
  const last = idx[idx.length - 1];
  if (!isNum(last)) return [{ dtype: c.dtype(0) }];
  return [{ dtype: c.dtype(0), shape: [...idx.slice(0, -1), ...x.slice(b + last)] }];
});

function reduceAxis(c: ShapeCtx, k: Dim, dtypes: (DType | undefined)[]): OutInfo[] {
  const x = c.shape(0);
  if (!x) return dtypes.map((dtype) => ({ dtype }));
  const a = normAxis(attrInt(c, 'axis', c.node.opType === 'TopK' ? -1 : 0), x.length);
  const shape = x.map((d, i) => (i === a ? k : d));
  return dtypes.map((dtype) => ({ dtype, shape }));
}

register('TopK', (c) => {
  const k = c.opset >= 10 ? c.dims(1)?.[0] : attrInt(c, 'k');
  return reduceAxis(c, k ?? c.namer.make(), [c.dtype(0), 'int64']);
});
register(['ArgMax', 'ArgMin'], (c) => {
  const x = c.shape(0);
  if (!x) return [{ dtype: 'int64' }];
  const a = normAxis(attrInt(c, 'axis', 0), x.length);
  const keep = attrInt(c, 'keepdims', 1) === 1;
  return [{ dtype: 'int64', shape: keep ? x.map((d, i) => (i === a ? 1 : d)) : x.filter((_, i) => i !== a) }];
});

register('NonZero', (c) => {
  const x = c.shape(0);
  const v = c.value(0);
  const count = v ? toNumbers(v).filter((n) => n !== 0).length : c.namer.make();
  return [{ dtype: 'int64', shape: [x ? x.length : c.namer.make(), count] }];
});

register('OneHot', (c) => {
  const idx = c.shape(0);
  const depth = c.value(1);
  if (!idx) return [{ dtype: c.dtype(2) }];
  const r = idx.length + 1;
  const a = normAxis(attrInt(c, 'axis', -1), r);
  const d: Dim = depth ? toNumbers(depth)[0] : c.namer.make();
  const out = [...idx];
  out.splice(a, 0, d);
  return [{ dtype: c.dtype(2), shape: out }];
});

register('Compress', (c) => {
  const x = c.shape(0);
  const cond = c.value(1);
  const n: Dim = cond ? toNumbers(cond).filter((v) => v !== 0).length : c.namer.make();
  const axis = c.attr('axis');
  if (!x) return [{ dtype: c.dtype(0) }];
  if (!axis) return [{ dtype: c.dtype(0), shape: [n] }];
  const a = normAxis(attrInt(c, 'axis', 0), x.length);
  return [{ dtype: c.dtype(0), shape: x.map((d, i) => (i === a ? n : d)) }];
});

register('Unique', (c) => {
  const x = c.shape(0);
  const u = c.namer.make();
  const axis = c.attr('axis');
  let y: Shape | undefined = [u];
  if (axis && x) {
    const a = normAxis(attrInt(c, 'axis', 0), x.length);
    y = x.map((d, i) => (i === a ? u : d));
  }
  const inv: Dim = x && !axis ? x.reduce<Dim>((p, d) => (isNum(p) && isNum(d) ? p * d : c.namer.make()), 1)
    : x && axis ? x[normAxis(attrInt(c, 'axis', 0), x.length)] : c.namer.make();
  return [{ dtype: c.dtype(0), shape: y }, { dtype: 'int64', shape: [u] }, { dtype: 'int64', shape: [inv] }, { dtype: 'int64', shape: [u] }];
});

register('NonMaxSuppression', (c) => [{ dtype: 'int64', shape: [c.namer.make(), 3] }]);

register('MaxRoiPool', (c) => {
  const x = c.shape(0);
  const rois = c.shape(1);
  const p = attrInts(c, 'pooled_shape');
  if (!x || !rois || !p) return [{ dtype: c.dtype(0) }];
  return [{ dtype: c.dtype(0), shape: [rois[0], x[1], p[0], p[1]] }];
});

register('RoiAlign', (c) => {
  const x = c.shape(0);
  const idx = c.shape(2);
  const oh = attrInt(c, 'output_height', 1);
  const ow = attrInt(c, 'output_width', 1);
  return [{ dtype: c.dtype(0), shape: x && idx ? [idx[0], x[1], oh, ow] : undefined }];
});

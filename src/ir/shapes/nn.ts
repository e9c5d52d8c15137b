// Convolution and pooling family (auto_pad, dilations, ceil_mode), ConvTranspose, global pools, MaxUnpool,
// Resize/Upsample, GridSample, Col2Im, and the recurrent ops RNN/GRU/LSTM.
import { toNumbers } from '../tensor';
import { Dim, DType, Shape } from '../types';
import { OutInfo, ShapeCtx, attrInt, attrInts, attrStr, intsOf, register, shapeFn } from './context';
import { InvalidNodeError, dimMap, isNum } from './dims';

interface Window { kernel: number[]; strides: number[]; dilations: number[]; pads: number[]; autoPad: string }

function windowOf(c: ShapeCtx, spatial: number, kernel: number[]): Window {
  // torch 1.13 exports nn.MaxPool3d of a 4-D (unbatched) input as a MaxPool with a 3-D window on it (LPRNet).
  if (kernel.length !== spatial) {
    throw new InvalidNodeError(`a ${kernel.length}-D window (kernel_shape [${kernel}]) over a ${spatial + 2}-D input: ONNX's window has the input's rank minus 2 dims`);
  }
  return {
    kernel,
    strides: attrInts(c, 'strides') ?? Array(spatial).fill(1),
    dilations: attrInts(c, 'dilations') ?? Array(spatial).fill(1),
    pads: attrInts(c, 'pads') ?? Array(spatial * 2).fill(0),
    autoPad: attrStr(c, 'auto_pad', 'NOTSET'),
  };
}

/** Spatial output dims of a convolution or pooling window over `x` (the spatial dims only). */
function windowDims(c: ShapeCtx, x: Dim[], w: Window, ceil: boolean): Dim[] {
  const n = x.length;
  return x.map((d, i) => {
    const k = (w.kernel[i] - 1) * w.dilations[i] + 1;
    const s = w.strides[i];
    if (!isNum(d)) {
      const same = w.autoPad.startsWith('SAME') || (w.autoPad === 'NOTSET' && w.pads[i] + w.pads[i + n] === k - 1);
      if (s === 1 && same) return d;
      const pads = w.autoPad === 'NOTSET' ? `${w.pads[i]},${w.pads[i + n]}` : w.autoPad;
      return c.namer.derived(`win(${d};k${k};s${s};p${pads};${ceil ? 'ceil' : 'floor'})`);
    }
    if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') return Math.ceil(d / s);
    if (w.autoPad === 'VALID') return Math.floor((d - k) / s) + 1;
    const padded = d + w.pads[i] + w.pads[i + n];
    if (!ceil) return Math.floor((padded - k) / s) + 1;
    let out = Math.ceil((padded - k) / s) + 1;
    if ((out - 1) * s >= d + w.pads[i]) out--;
    return out;
  });
}

function conv(c: ShapeCtx, outType?: DType, weightIdx = 1): OutInfo[] {
  const x = c.shape(0);
  const wShape = c.shape(weightIdx);
  const dtype = outType ?? c.dtype(0);
  if (!x) return [{ dtype }];
  const spatial = x.length - 2;
  const kernel = attrInts(c, 'kernel_shape') ?? (wShape?.slice(2).every(isNum) ? (wShape.slice(2) as number[]) : undefined);
  const m = wShape ? wShape[0] : c.namer.make();
  if (!kernel) return [{ dtype, shape: [x[0], m, ...x.slice(2).map(() => c.namer.make())] }];
  return [{ dtype, shape: [x[0], m, ...windowDims(c, x.slice(2), windowOf(c, spatial, kernel), false)] }];
}

register('Conv', (c) => conv(c));
register('ConvInteger', (c) => conv(c, 'int32'));
register('DeformConv', (c) => conv(c));
register('FusedConv', (c) => conv(c), 'com.microsoft');
register('QLinearConv', (c) => conv(c, c.dtype(7), 3));

register('ConvTranspose', (c) => {
  const x = c.shape(0);
  const w = c.shape(1);
  const dtype = c.dtype(0);
  if (!x || !w) return [{ dtype }];
  const spatial = x.length - 2;
  const group = attrInt(c, 'group', 1);
  const m: Dim = isNum(w[1]) ? w[1] * group : c.namer.make();
  const outShape = attrInts(c, 'output_shape');
  if (outShape) return [{ dtype, shape: [x[0], m, ...outShape.slice(-spatial)] }];
  const kernel = attrInts(c, 'kernel_shape') ?? (w.slice(2) as number[]);
  const win = windowOf(c, spatial, kernel);
  const outPad = attrInts(c, 'output_padding') ?? Array(spatial).fill(0);
  const dims = x.slice(2).map((d, i) => {
    if (!isNum(d) || !isNum(kernel[i])) return c.namer.make();
    const s = win.strides[i];
    if (win.autoPad === 'SAME_UPPER' || win.autoPad === 'SAME_LOWER') return d * s;
    const full = s * (d - 1) + outPad[i] + (kernel[i] - 1) * win.dilations[i] + 1;
    return win.autoPad === 'VALID' ? full : full - win.pads[i] - win.pads[i + spatial];
  });
  return [{ dtype, shape: [x[0], m, ...dims] }];
});

function pool(c: ShapeCtx): OutInfo[] {
  const x = c.shape(0);
  const dtype = c.dtype(0);
  if (!x) return [{ dtype }, { dtype: 'int64' }];
  const kernel = attrInts(c, 'kernel_shape') ?? [];
  const win = windowOf(c, x.length - 2, kernel);
  const shape = [x[0], x[1], ...windowDims(c, x.slice(2), win, attrInt(c, 'ceil_mode', 0) === 1)];
  return [{ dtype, shape }, { dtype: 'int64', shape }];
}
register(['MaxPool', 'AveragePool', 'LpPool'], pool);

register(['GlobalAveragePool', 'GlobalMaxPool', 'GlobalLpPool'], (c) => {
  const x = c.shape(0);
  return [{ dtype: c.dtype(0), shape: x ? [x[0], x[1], ...x.slice(2).map(() => 1)] : undefined }];
});

register('MaxUnpool', (c) => {
  const x = c.shape(0);
  const dtype = c.dtype(0);
  const target = c.has(2) ? c.dims(2) : undefined;
  if (target) return [{ dtype, shape: target }];
  if (!x) return [{ dtype }];
  if (c.has(2)) return [{ dtype, shape: x.map(() => c.namer.make()) }];
  const spatial = x.length - 2;
  const k = attrInts(c, 'kernel_shape') ?? [];
  const s = attrInts(c, 'strides') ?? Array(spatial).fill(1);
  const p = attrInts(c, 'pads') ?? Array(spatial * 2).fill(0);
  const dims = x.slice(2).map((d, i) => (isNum(d) ? (d - 1) * s[i] + k[i] - p[i] - p[i + spatial] : c.namer.make()));
  return [{ dtype, shape: [x[0], x[1], ...dims] }];
});

/** Output of Resize/Upsample from sizes or scales (floor(dim * scale)), restricted to `axes` when given. */
function resized(c: ShapeCtx, x: Shape, scales: number[] | undefined, sizes: Dim[] | undefined): Shape {
  const axes = (attrInts(c, 'axes') ?? x.map((_, i) => i)).map((a) => (a < 0 ? a + x.length : a));
  const out = [...x];
  const policy = attrStr(c, 'keep_aspect_ratio_policy', 'stretch');
  if (sizes && sizes.length) {
    if (policy !== 'stretch') {
      const ratios = axes.map((a, i) => (isNum(x[a]) && isNum(sizes[i]) ? (sizes[i] as number) / (x[a] as number) : NaN));
      const r = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
      axes.forEach((a) => { out[a] = isNum(x[a]) ? Math.round(r * (x[a] as number)) : c.namer.make(); });
    } else axes.forEach((a, i) => { out[a] = sizes[i]; });
    return out;
  }
  if (!scales) return x.map((d, i) => (axes.includes(i) ? c.namer.make() : d));
  axes.forEach((a, i) => { out[a] = scales[i] === 1 ? x[a] : dimMap([x[a]], (d) => Math.floor(d * scales[i]), c.namer, `scale${scales[i]}`); });
  return out;
}

function constFloats(c: ShapeCtx, i: number): number[] | undefined {
  const v = c.has(i) ? c.value(i) : undefined;
  return v ? toNumbers(v) : undefined;
}

register('Resize', (c) => {
  const x = c.shape(0);
  if (!x) return [{ dtype: c.dtype(0) }];
  if (c.opset < 11) return [{ dtype: c.dtype(0), shape: resized(c, x, constFloats(c, 1), undefined) }];
  const sizes = c.has(3) ? c.dims(3) : undefined;
  const scales = constFloats(c, 2);
  return [{ dtype: c.dtype(0), shape: resized(c, x, scales && scales.length ? scales : undefined, sizes) }];
});

register('Upsample', (c) => {
  const x = c.shape(0);
  if (!x) return [{ dtype: c.dtype(0) }];
  const scales = c.opset >= 9 ? constFloats(c, 1) : attrInts(c, 'scales');
  return [{ dtype: c.dtype(0), shape: resized(c, x, scales, undefined) }];
});

register('GridSample', (c) => {
  const x = c.shape(0);
  const g = c.shape(1);
  if (!x || !g) return [{ dtype: c.dtype(0) }];
  return [{ dtype: c.dtype(0), shape: [x[0], x[1], ...g.slice(1, -1)] }];
});
register('GridSample', shapeFn('', 'GridSample')!, 'com.microsoft');

register('AffineGrid', (c) => {
  const size = c.dims(1);
  if (!size) return [{ dtype: c.dtype(0) }];
  return [{ dtype: c.dtype(0), shape: [size[0], ...size.slice(2), size.length - 2] }];
});

register('Col2Im', (c) => {
  const x = c.shape(0);
  const image = c.dims(1);
  const block = intsOf(c, 2);
  if (!x || !image || !block) return [{ dtype: c.dtype(0) }];
  const ch = isNum(x[1]) ? x[1] / block.reduce((a, b) => a * b, 1) : c.namer.make();
  return [{ dtype: c.dtype(0), shape: [x[0], ch, ...image] }];
});

// RNN, GRU, LSTM (layout 0: [seq, batch, ...]; layout 1: [batch, seq, ...]).
register(['RNN', 'GRU', 'LSTM'], (c) => {
  const x = c.shape(0);
  const dtype = c.dtype(0);
  const layout = attrInt(c, 'layout', 0);
  const hidden: Dim = attrInt(c, 'hidden_size') ?? (c.shape(2)?.[2] ?? c.namer.make());
  const dirs = attrStr(c, 'direction', 'forward') === 'bidirectional' ? 2 : 1;
  const seq: Dim = x ? x[layout ? 1 : 0] : c.namer.make();
  const batch: Dim = x ? x[layout ? 0 : 1] : c.namer.make();
  const y: OutInfo = { dtype, shape: layout ? [batch, seq, dirs, hidden] : [seq, dirs, batch, hidden] };
  const h: OutInfo = { dtype, shape: layout ? [batch, dirs, hidden] : [dirs, batch, hidden] };
  return c.node.opType.endsWith('LSTM') ? [y, h, h] : [y, h];
});
// onnxruntime's DynamicQuantizeLSTM: LSTM's outputs (hidden_size is required there).
register('DynamicQuantizeLSTM', shapeFn('', 'LSTM')!, 'com.microsoft');

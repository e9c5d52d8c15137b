// Signal processing, losses and string ops: window functions, DFT, STFT, MelWeightMatrix, NLL and softmax
// cross-entropy losses, StringNormalizer, TfIdfVectorizer, CenterCropPad.
import { toNumbers } from '../tensor';
import { Dim } from '../types';
import { ShapeCtx, attrInt, attrInts, attrStr, intsOf, register } from './context';
import { castType } from './elementwise';
import { dimMap, isNum, normAxis } from './dims';

function scalar(c: ShapeCtx, i: number): number | undefined {
  const v = c.has(i) ? c.value(i) : undefined;
  return v ? toNumbers(v)[0] : undefined;
}

register(['HannWindow', 'HammingWindow', 'BlackmanWindow'], (c) => {
  const n = scalar(c, 0);
  return [{ dtype: castType(c, 'output_datatype', 'float32'), shape: [n ?? c.namer.make()] }];
});

register('DFT', (c) => {
  const x = c.shape(0);
  if (!x) return [{ dtype: c.dtype(0) }];
  const axis = normAxis(c.opset >= 20 ? (scalar(c, 2) ?? -2) : attrInt(c, 'axis', 1), x.length);
  const onesided = attrInt(c, 'onesided', 0) === 1;
  const len = scalar(c, 1);
  const out = [...x];
  if (onesided && attrInt(c, 'inverse', 0) === 1 && x[x.length - 1] === 2) {
    // A half spectrum back to a real signal (irfft), as onnxruntime reads it: dft_length (else 2·(n − 1)) real values.
    out[axis] = len ?? dimMap([x[axis]], (v) => 2 * (v - 1), c.namer);
    out[out.length - 1] = 1;
    return [{ dtype: c.dtype(0), shape: out }];
  }
  const n: Dim = len ?? x[axis];
  out[axis] = onesided ? dimMap([n], (v) => Math.floor(v / 2) + 1, c.namer) : n;
  out[out.length - 1] = 2;
  return [{ dtype: c.dtype(0), shape: out }];
});

register('STFT', (c) => {
  const x = c.shape(0);
  const step = scalar(c, 1);
  const winShape = c.shape(2);
  const len = scalar(c, 3) ?? (winShape && isNum(winShape[0]) ? winShape[0] : undefined);
  const onesided = attrInt(c, 'onesided', 1) === 1;
  if (!x || step === undefined || len === undefined) return [{ dtype: c.dtype(0) }];
  const frames = dimMap([x[1]], (s) => Math.floor((s - len) / step) + 1, c.namer);
  return [{ dtype: c.dtype(0), shape: [x[0], frames, onesided ? Math.floor(len / 2) + 1 : len, 2] }];
});

register('MelWeightMatrix', (c) => {
  const mel = scalar(c, 0);
  const dft = scalar(c, 1);
  return [{ dtype: castType(c, 'output_datatype', 'float32'), shape: [dft === undefined ? c.namer.make() : Math.floor(dft / 2) + 1, mel ?? c.namer.make()] }];
});

register('NegativeLogLikelihoodLoss', (c) => {
  const none = attrStr(c, 'reduction', 'mean') === 'none';
  return [{ dtype: c.dtype(0), shape: none ? c.shape(1) : [] }];
});
register('SoftmaxCrossEntropyLoss', (c) => {
  const none = attrStr(c, 'reduction', 'mean') === 'none';
  return [{ dtype: c.dtype(0), shape: none ? c.shape(1) : [] }, { dtype: c.dtype(0), shape: c.shape(0) }];
});

register('StringNormalizer', (c) => {
  const x = c.shape(0);
  const stop = (c.attr('stopwords')?.value as string[] | undefined) ?? [];
  const keep = stop.length === 0;
  if (!x) return [{ dtype: 'string' }];
  const last: Dim = keep ? x[x.length - 1] : c.namer.make();
  return [{ dtype: 'string', shape: x.length === 2 ? [x[0], last] : [last] }];
});

register('TfIdfVectorizer', (c) => {
  const x = c.shape(0);
  const idx = attrInts(c, 'ngram_indexes') ?? [];
  const width = idx.length ? Math.max(...idx) + 1 : c.namer.make();
  return [{ dtype: 'float32', shape: x && x.length === 2 ? [x[0], width] : [width] }];
});

register('CenterCropPad', (c) => {
  const x = c.shape(0);
  const target = intsOf(c, 1);
  if (!x || !target) return [{ dtype: c.dtype(0) }];
  const axes = (attrInts(c, 'axes') ?? target.map((_, i) => i)).map((a) => normAxis(a, x.length));
  const out = [...x];
  axes.forEach((a, i) => { out[a] = target[i]; });
  return [{ dtype: c.dtype(0), shape: out }];
});

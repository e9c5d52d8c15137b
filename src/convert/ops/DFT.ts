// ONNX DFT → TFLite FULLY_CONNECTED with the transform as a constant real matrix: the signal axis is taken next to
// the last (real/imaginary) dim, each row's [n, 1 or 2] values are flattened, and one matrix maps them to
// [n_out, 2]: re' = Σ re·cos a ∓ im·sin a, im' = Σ im·cos a ± re·sin a, a = 2π·j·k/L (sign + for the inverse,
// scaled by 1/L). dft_length L pads or truncates the signal (a matrix with L columns' worth of angles, the first
// min(n, L) used, see _dft.ts); onesided keeps the first ⌊L/2⌋+1 frequencies. inverse with onesided on a complex
// input is a half spectrum back to a real signal (irfft, as onnxruntime reads it): [.., L, 1].
import { toNumbers } from '../../ir/tensor';
import { elementCount } from '../../ir/types';
import { attrInt, normAxis } from '../attrs';
import type { ConvertContext } from '../context';
import type { Node } from '../../ir/types';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';
import { dftMatrix } from './_dft';
import { keptOrder, leftTransform } from './_dft-left';

/** The signal axis (attribute before opset 20, input 2 from it) or undefined when it is computed. */
function axisOf(node: Node, ctx: ConvertContext, rank: number): number | undefined {
  if (ctx.opset < 20) return normAxis(attrInt(node, 'axis', 1), rank);
  const a = node.inputs[2];
  if (!a) return rank - 2;
  const c = ctx.constant(a);
  return c ? normAxis(toNumbers(c)[0], rank) : undefined;
}

/** inverse=1 with onesided=1 on a complex input: a half spectrum back to a real signal (irfft), as onnxruntime reads
 *  it (the spec calls a onesided complex output "not possible"). */
function halfToReal(node: Node, cin: number): boolean {
  return cin === 2 && attrInt(node, 'inverse', 0) === 1 && attrInt(node, 'onesided', 0) === 1;
}

/** [L, n·2] weights of the real inverse of a half spectrum of n = ⌊L/2⌋ + 1 bins: x[t] = (1/L)·Σ_k c_k·(re_k·cos a −
 *  im_k·sin a), a = 2π·k·t/L, c_k = 2 for the bins that stand for a mirrored pair, 1 for the DC and Nyquist bins. */
function halfToRealMatrix(n: number, L: number): Float32Array {
  const w = new Float32Array(L * n * 2);
  for (let t = 0; t < L; t++) {
    for (let k = 0; k < n; k++) {
      const c = k === 0 || 2 * k === L ? 1 : 2;
      const a = (2 * Math.PI * ((k * t) % L)) / L;
      w[t * n * 2 + k * 2] = (c * Math.cos(a)) / L;
      w[t * n * 2 + k * 2 + 1] = (-c * Math.sin(a)) / L;
    }
  }
  return w;
}

const DFT: OpConverter = {
  op: 'DFT', emits: ['FULLY_CONNECTED', 'RESHAPE', 'BATCH_MATMUL', 'CONCATENATION', 'ADD'], opset: [17, MAX_OPSET], inputs: [1, 3], dtypes: ['float32'], layout: 'axis',
  int8: false,
  check(node, ctx) {
    const dims = ctx.dims(node.inputs[0]);
    if (dims.some((d) => d < 0)) return refuse('dynamic-shape', 'DFT over dims known only at run time is not supported');
    const axis = axisOf(node, ctx, dims.length);
    if (axis === undefined) return refuse('computed-input', 'DFT with a computed axis is not supported; make it a constant');
    if (axis === dims.length - 1) return refuse('attribute', 'DFT along the last (real/imaginary) dim is not a signal axis');
    if (node.inputs[1] && !ctx.isConstant(node.inputs[1])) return refuse('computed-input', 'DFT with a computed dft_length is not supported; make it a constant');
    if (dims[dims.length - 1] !== 1 && dims[dims.length - 1] !== 2) return refuse('rank', 'DFT needs a last dim of 1 (real) or 2 (complex)');
    if (halfToReal(node, dims[dims.length - 1]!)) {
      const L = node.inputs[1] ? toNumbers(ctx.constant(node.inputs[1])!)[0] : 2 * (dims[axis]! - 1);
      if (L < 1 || dims[axis] !== Math.floor(L / 2) + 1) {
        return refuse('attribute', `DFT inverse onesided (a half spectrum back to a real signal) needs ⌊dft_length / 2⌋ + 1 = ${Math.floor(L / 2) + 1} bins along the axis (these are ${dims[axis]})`);
      }
    }
    return undefined;
  },
  convert(node, ctx) {
    const x = node.inputs[0];
    const dims = ctx.shape(x);
    const rank = dims.length;
    const axis = axisOf(node, ctx, rank)!;
    const n = dims[axis];
    const cin = dims[rank - 1];
    const inverse = attrInt(node, 'inverse', 0) === 1;
    const toReal = halfToReal(node, cin);
    const L = node.inputs[1] ? toNumbers(ctx.constant(node.inputs[1])!)[0] : toReal ? 2 * (n - 1) : n;
    const nOut = toReal ? L : attrInt(node, 'onesided', 0) === 1 ? Math.floor(L / 2) + 1 : L;
    const e = new Emitter(ctx, node);
    const kept = toReal ? undefined : keptOrder(ctx.permOf(x), dims, axis);
    if (kept) {
      leftTransform(e, ctx, node, kept, { n, cin, L, nOut, inverse, axis });
      return;
    }
    // Layout: the other dims, then the signal axis, then real/imaginary.
    const perm = [...dims.map((_, i) => i).filter((i) => i !== axis && i !== rank - 1), axis, rank - 1];
    const rows = elementCount(dims) / (n * cin);
    const w = toReal ? halfToRealMatrix(n, L) : dftMatrix(n, cin, L, nOut, inverse);
    const cout = toReal ? 1 : 2;
    const flat = e.reshape(ctx.input(x, perm), [rows, n * cin]);
    const fc = e.op('FULLY_CONNECTED', [flat, ctx.constFloat32(w, [nOut * cout, n * cin], `${node.name}/dft`), -1], [rows, nOut * cout], 'FLOAT32',
      { fusedActivationFunction: 'NONE', weightsFormat: 'DEFAULT' });
    const out = ctx.output(node.outputs[0], perm);
    e.reshape(fc, ctx.tensors[out].shape, out);
  },
};
export default DFT;

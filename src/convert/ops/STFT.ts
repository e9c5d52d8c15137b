// ONNX STFT → frames GATHERed from the signal with constant positions (frame f, sample j at f·step + j), times the
// window when given (computed or constant), then the DFT of each frame as FULLY_CONNECTED with a constant matrix
// (_dft.ts): [batch, frames, frequencies, 2]. frame_step and frame_length must be constants. A real signal may also
// be [batch, length] (torch.onnx's stft passes it so; onnxruntime reads a rank-2 signal as real).
import { toNumbers } from '../../ir/tensor';
import { attrInt } from '../attrs';
import { identity } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { dftMatrix } from './_dft';
import { Emitter } from './_emit';

const STFT: OpConverter = {
  op: 'STFT', emits: ['GATHER', 'MUL', 'RESHAPE', 'FULLY_CONNECTED'], opset: [17, MAX_OPSET], inputs: [2, 4], dtypes: ['float32'],
  layout: 'onnx', int8: false,
  check(node, ctx) {
    const [signal, step, window, length] = node.inputs;
    const dims = ctx.dims(signal);
    if (dims.length < 2 || dims.length > 3) return refuse('rank', 'STFT needs a signal [batch, length], [batch, length, 1] or [batch, length, 2]');
    if (dims.some((d) => d < 0)) return refuse('dynamic-shape', 'STFT needs a signal of known size');
    if (!ctx.isConstant(step)) return refuse('computed-input', 'STFT with a computed frame_step is not supported; make it a constant');
    if (length && !ctx.isConstant(length)) return refuse('computed-input', 'STFT with a computed frame_length is not supported; make it a constant');
    if (!length && !window) return refuse('attribute', 'STFT needs a window or a frame_length');
    if (window && ctx.dims(window).some((d) => d < 0)) return refuse('dynamic-shape', 'STFT with a window of unknown length is not supported');
    return undefined;
  },
  convert(node, ctx) {
    const [signal, stepName, window, length] = node.inputs;
    const [batch, len, cin = 1] = ctx.shape(signal);
    const step = toNumbers(ctx.constant(stepName)!)[0];
    const L = length ? toNumbers(ctx.constant(length)!)[0] : ctx.dims(window)[0];
    const frames = Math.floor((len - L) / step) + 1;
    if (frames < 1 || step < 1) ctx.fail(`STFT frames of ${L} every ${step} do not fit a signal of ${len}`, 'attribute');
    const nOut = attrInt(node, 'onesided', 1) === 1 ? Math.floor(L / 2) + 1 : L;
    const e = new Emitter(ctx, node);
    const pos = Array.from({ length: frames * L }, (_, i) => Math.floor(i / L) * step + (i % L));
    const real2d = ctx.shape(signal).length === 2;
    const sig = real2d ? e.reshape(ctx.inputOnnx(signal), [batch, len, 1]) : ctx.inputOnnx(signal);
    let x = e.op('GATHER', [sig, ctx.constInt32(pos, `${node.name}/frames`, [frames, L])], [batch, frames, L, cin], 'FLOAT32',
      { axis: 1, batchDims: 0 });
    if (window) x = e.bin('MUL', x, e.reshape(ctx.inputOnnx(window), [1, 1, L, 1]));
    const flat = e.reshape(x, [batch * frames, L * cin]);
    const w = ctx.constFloat32(dftMatrix(L, cin, L, nOut, false), [nOut * 2, L * cin], `${node.name}/dft`);
    const fc = e.op('FULLY_CONNECTED', [flat, w, -1], [batch * frames, nOut * 2], 'FLOAT32', { fusedActivationFunction: 'NONE', weightsFormat: 'DEFAULT' });
    e.reshape(fc, [batch, frames, nOut, 2], ctx.output(node.outputs[0], identity(4)));
  },
};
export default STFT;

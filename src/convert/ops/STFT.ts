// ONNX STFT → frames GATHERed from the signal with constant positions (frame f, sample j at f·step + j), times the
// window when given (computed or constant), then the DFT of each frame as FULLY_CONNECTED with a constant matrix
// (_dft.ts): [batch, frames, frequencies, 2]. frame_length must be a constant (or the window's length): it sizes the
// DFT. A frame_step computed at run time (a scalar) makes the frame count one too: (length − L) // step + 1 frames
// whose positions are RANGE · step + j, the output sized at run time. A real signal may also be [batch, length]
// (torch.onnx's stft passes it so; onnxruntime reads a rank-2 signal as real).
import { toNumbers } from '../../ir/tensor';
import { attrInt } from '../attrs';
import { identity } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { dftMatrix } from './_dft';
import { Emitter } from './_emit';

/** [frames, L] int32 sample positions for a frame_step known at run time: f·step + j for f < (len − L) // step + 1. */
function runTimeFrames(e: Emitter, stepName: string, len: number, L: number): number {
  const { ctx, node } = e;
  // A step below 1 is invalid ONNX; held at 1 so that the division stays defined.
  const given = e.cast(ctx.inputOnnx(stepName), 'INT32');
  const step = e.bin('MAXIMUM', e.shape(given).length ? e.reshape(given, []) : given, e.scalar(1, 'INT32'));
  const count = e.bin('ADD', e.bin('FLOOR_DIV', e.scalar(len - L, 'INT32'), step), e.scalar(1, 'INT32'));
  const starts = e.bin('MUL', e.op('RANGE', [e.scalar(0, 'INT32'), count, e.scalar(1, 'INT32')], [-1], 'INT32'), step);
  const offsets = ctx.constInt32(Array.from({ length: L }, (_, j) => j), `${node.name}/offsets`, [1, L]);
  return e.bin('ADD', e.reshape(starts, [-1, 1]), offsets);
}

const STFT: OpConverter = {
  op: 'STFT', emits: ['GATHER', 'MUL', 'RESHAPE', 'FULLY_CONNECTED', 'CAST', 'MAXIMUM', 'FLOOR_DIV', 'ADD', 'RANGE'],
  incidental: ['CAST', 'MAXIMUM', 'FLOOR_DIV', 'ADD', 'RANGE'] /* int32 frame positions of a run-time frame_step */, opset: [17, MAX_OPSET], inputs: [2, 4], dtypes: ['float32'],
  layout: 'onnx', int8: false,
  check(node, ctx) {
    const [signal, step, window, length] = node.inputs;
    const dims = ctx.dims(signal);
    if (dims.length < 2 || dims.length > 3) return refuse('rank', 'STFT needs a signal [batch, length], [batch, length, 1] or [batch, length, 2]');
    if (dims.some((d) => d < 0)) return refuse('dynamic-shape', 'STFT needs a signal of known size');
    if (!ctx.isConstant(step) && (ctx.dims(step).some((d) => d !== 1) || ctx.dims(step).length > 1)) {
      return refuse('computed-input', 'STFT with a computed frame_step that is not a scalar is not supported');
    }
    if (length && !ctx.isConstant(length)) return refuse('computed-input', 'STFT with a computed frame_length is not supported (it sizes the DFT); make it a constant or give a window');
    if (!length && !window) return refuse('attribute', 'STFT needs a window or a frame_length');
    if (window && ctx.dims(window).some((d) => d < 0)) return refuse('dynamic-shape', 'STFT with a window of unknown length is not supported');
    return undefined;
  },
  convert(node, ctx) {
    const [signal, stepName, window, length] = node.inputs;
    const [batch, len, cin = 1] = ctx.shape(signal);
    const L = length ? toNumbers(ctx.constant(length)!)[0] : ctx.dims(window)[0];
    const nOut = attrInt(node, 'onesided', 1) === 1 ? Math.floor(L / 2) + 1 : L;
    const e = new Emitter(ctx, node);
    let frames: number;
    let pos: number;
    if (ctx.isConstant(stepName)) {
      const step = toNumbers(ctx.constant(stepName)!)[0];
      frames = Math.floor((len - L) / step) + 1;
      if (frames < 1 || step < 1) ctx.fail(`STFT frames of ${L} every ${step} do not fit a signal of ${len}`, 'attribute');
      pos = ctx.constInt32(Array.from({ length: frames * L }, (_, i) => Math.floor(i / L) * step + (i % L)), `${node.name}/frames`, [frames, L]);
    } else {
      if (len < L) ctx.fail(`STFT frames of ${L} do not fit a signal of ${len}`, 'attribute');
      frames = -1;
      pos = runTimeFrames(e, stepName, len, L);
    }
    const real2d = ctx.shape(signal).length === 2;
    const sig = real2d ? e.reshape(ctx.inputOnnx(signal), [batch, len, 1]) : ctx.inputOnnx(signal);
    let x = e.op('GATHER', [sig, pos], [batch, frames, L, cin], 'FLOAT32', { axis: 1, batchDims: 0 });
    if (window) x = e.bin('MUL', x, e.reshape(ctx.inputOnnx(window), [1, 1, L, 1]));
    const rows = frames < 0 ? -1 : batch * frames;
    const flat = e.reshape(x, [rows, L * cin]);
    const w = ctx.constFloat32(dftMatrix(L, cin, L, nOut, false), [nOut * 2, L * cin], `${node.name}/dft`);
    const fc = e.op('FULLY_CONNECTED', [flat, w, -1], [rows, nOut * 2], 'FLOAT32', { fusedActivationFunction: 'NONE', weightsFormat: 'DEFAULT' });
    const out = frames < 0 ? ctx.dynamicOutput(node.outputs[0], identity(4), [batch, -1, nOut, 2]) : ctx.output(node.outputs[0], identity(4));
    e.reshape(fc, [batch, frames, nOut, 2], out);
  },
};
export default STFT;

// ONNX BatchNormalization (inference) not folded into a Conv → TFLite MUL and ADD with per-channel constants (per
// activation for opsets 7-8's `spatial = 0` with [C, H, W] statistics), or,
// with statistics computed in the graph, SUB, RSQRT, MUL, ADD on per-channel vectors). training_mode=1 — or, before
// opset 14, more than one output — normalizes with the batch's own statistics (MEAN) and outputs the updated running
// statistics (and, before 14, the batch's as the saved ones). On constants it folds (src/ir/fold-kernels.ts batchNorm:
// timm's ScaledStdConv2d standardizes its weights with F.batch_norm(training=True), NFNet's convs).
import { trainingBatchNorm } from '../../ir/fold';
import { toNumbers } from '../../ir/tensor';
import { attrFloat } from '../attrs';
import type { Node } from '../../ir/types';
import type { ConvertContext } from '../context';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';
import { channelVector, moments } from './_norm';

const BatchNormalization: OpConverter = {
  op: 'BatchNormalization', emits: ['MUL', 'ADD', 'SUB', 'RSQRT', 'RESHAPE', 'MEAN'], opset: [1, MAX_OPSET], inputs: [5, 5], dtypes: ['float32'], layout: 'any',
  check(node, ctx) {
    const x = ctx.dims(node.inputs[0]);
    for (const p of node.inputs.slice(1)) {
      const d = ctx.isConstant(p) ? ctx.constant(p)!.dims : ctx.dims(p);
      const fits = d.length === 1 ? d[0] === x[1] : d.length < x.length && d.every((v, i) => v === x[1 + i]);
      if (!fits || (d.length > 1 && !ctx.isConstant(p))) {
        return refuse('unsupported', `BatchNormalization parameter "${p}" of dims [${d.join(', ')}] is neither per channel [${x[1]}] nor a constant per activation [${x.slice(1).join(', ')}]`);
      }
    }
    return undefined;
  },
  convert(node, ctx) {
    const [x, s, b, m, v] = node.inputs;
    if (trainingBatchNorm(node, ctx.opset)) {
      emitTraining(ctx, node);
      return;
    }
    if ([s, b, m, v].some((n) => !ctx.isConstant(n))) {
      emitComputed(ctx, node);
      return;
    }
    const [scale, bias, mean, varc] = [s, b, m, v].map((n) => toNumbers(ctx.constant(n)!));
    const eps = attrFloat(node, 'epsilon', 1e-5);
    const k = scale.map((sc, i) => sc / Math.sqrt(varc[i] + eps));
    const sh = bias.map((bi, i) => bi - mean[i] * k[i]);
    const rank = ctx.rank(x);
    // Per channel ([C]), or per activation ([C, H, W]: `spatial = 0` of opsets 7-8, MXNet's exports).
    const pdims = ctx.constant(s)!.dims;
    const cshape = [1, ...pdims, ...new Array<number>(rank - 1 - pdims.length).fill(1)];
    const kName = `${node.name}/scale`;
    const shName = `${node.name}/shift`;
    ctx.constants.set(kName, { name: kName, dtype: 'float32', dims: cshape, data: Float32Array.from(k) });
    ctx.constants.set(shName, { name: shName, dtype: 'float32', dims: cshape, data: Float32Array.from(sh) });
    const xin = ctx.inputAny(x);
    const y = node.outputs[0];
    const mul = ctx.temp(ctx.tensors[xin.index].shape, 'FLOAT32', `${y}__scaled`);
    ctx.emit('MUL', [xin.index, ctx.input(kName, xin.perm)], [mul], { fusedActivationFunction: 'NONE' });
    ctx.emit('ADD', [mul, ctx.input(shName, xin.perm)], [ctx.output(y, xin.perm)], { fusedActivationFunction: 'NONE' });
  },
};
/** Statistics computed in the graph: (x - mean) · rsqrt(var + eps) · scale + bias with per-channel vectors. */
function emitComputed(ctx: ConvertContext, node: Node): void {
  const [x, s, b, m, v] = node.inputs;
  const rank = ctx.rank(x);
  const e = new Emitter(ctx, node);
  const xin = ctx.inputAny(x);
  const vec = (n: string) => channelVector(ctx, e, n, rank, xin.perm);
  const inv = e.un('RSQRT', e.bin('ADD', vec(v), e.scalar(attrFloat(node, 'epsilon', 1e-5))));
  const k = e.bin('MUL', inv, vec(s));
  const scaled = e.bin('MUL', e.bin('SUB', xin.index, vec(m)), k);
  e.bin('ADD', scaled, vec(b), ctx.output(node.outputs[0], xin.perm));
}

/** Training mode: batch statistics normalize; the running statistics move by `momentum` towards them. */
function emitTraining(ctx: ConvertContext, node: Node): void {
  const [x, s, b, m, v] = node.inputs;
  const [y, runMean, runVar, savedMean, savedVar] = node.outputs;
  const rank = ctx.rank(x);
  const e = new Emitter(ctx, node);
  const xin = ctx.inputAny(x);
  const vec = (n: string) => channelVector(ctx, e, n, rank, xin.perm);
  const axes = xin.perm.map((d, i) => (d === 1 ? -1 : i)).filter((i) => i >= 0);
  const mo = moments(e, xin.index, axes);
  const inv = e.un('RSQRT', e.bin('ADD', mo.variance, e.scalar(attrFloat(node, 'epsilon', 1e-5))));
  const scaled = e.bin('MUL', mo.centered, e.bin('MUL', inv, vec(s)));
  e.bin('ADD', scaled, vec(b), ctx.output(y, xin.perm));
  const momentum = attrFloat(node, 'momentum', 0.9);
  const running = (cur: number, prev: string, out: string) => {
    const c = ctx.shape(prev)[0];
    const batch = e.bin('MUL', e.reshape(cur, [c]), e.scalar(1 - momentum));
    e.bin('ADD', e.bin('MUL', ctx.inputOnnx(prev), e.scalar(momentum)), batch, ctx.output(out, [0]));
  };
  if (runMean) running(mo.mean, m, runMean);
  if (runVar) running(mo.variance, v, runVar);
  const c = ctx.shape(m)[0];
  if (savedMean) e.reshape(mo.mean, [c], ctx.output(savedMean, [0]));
  if (savedVar) e.reshape(mo.variance, [c], ctx.output(savedVar, [0]));
}

export default BatchNormalization;

// The activation that onnxruntime's optimizer folds into FusedConv / FusedGemm (`activation` and its parameters),
// written after the op's own output: RELU / TANH / LOGISTIC / LEAKY_RELU, RELU6 or MINIMUM + MAXIMUM for Clip,
// HardSigmoid as the HardSigmoid converter writes it (MobileNetV3's SE gates at graphOptimizationLevel extended). The
// TFLite clean-up fuses RELU, RELU6 and TANH into the CONV_2D / FULLY_CONNECTED before them.
import type { ConvertContext } from '../context';
import HardSigmoid from './HardSigmoid';

export const FUSED_ACTIVATIONS = ['Relu', 'Tanh', 'Sigmoid', 'LeakyRelu', 'Clip', 'HardSigmoid'];
export const FUSED_ACTIVATION_OPS = ['RELU', 'RELU6', 'TANH', 'LOGISTIC', 'LEAKY_RELU', 'MINIMUM', 'MAXIMUM'];

/** y = act(x); `params`: LeakyRelu's alpha, Clip's min and max, or HardSigmoid's alpha and beta. */
export function emitFusedActivation(ctx: ConvertContext, act: string, params: number[], x: string, y: string, prefix: string): void {
  if (act === 'HardSigmoid') {
    const attrs = new Map([['alpha', { type: 'float' as const, value: params[0] ?? 0.2 }], ['beta', { type: 'float' as const, value: params[1] ?? 0.5 }]]);
    HardSigmoid.convert({ name: prefix, opType: 'HardSigmoid', domain: '', inputs: [x], outputs: [y], attrs }, ctx);
    return;
  }
  const src = ctx.inputAny(x);
  const out = ctx.output(y, src.perm);
  if (act === 'Relu') ctx.emit('RELU', [src.index], [out]);
  else if (act === 'Tanh') ctx.emit('TANH', [src.index], [out]);
  else if (act === 'Sigmoid') ctx.emit('LOGISTIC', [src.index], [out]);
  else if (act === 'LeakyRelu') ctx.emit('LEAKY_RELU', [src.index], [out], { alpha: params[0] ?? 0.01 });
  else {
    const [lo, hi] = [params[0] ?? -3.4028234663852886e38, params[1] ?? 3.4028234663852886e38];
    if (lo === 0 && hi === 6) { ctx.emit('RELU6', [src.index], [out]); return; }
    const t = ctx.tensors[src.index];
    const min = ctx.temp(t.shapeSignature ?? t.shape, 'FLOAT32', `${y}__min`);
    ctx.emit('MINIMUM', [src.index, ctx.constFloat32([hi], [], `${prefix}/max`)], [min]);
    ctx.emit('MAXIMUM', [min, ctx.constFloat32([lo], [], `${prefix}/min`)], [out]);
  }
}

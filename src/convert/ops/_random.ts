// ONNX RandomNormal / RandomNormalLike (Piper's export draws its noises inside the graph: torch.randn for the
// duration predictor, randn_like(m_p) for the prior) → TFLite RANDOM_STANDARD_NORMAL of the shape (a constant, or
// SHAPE of the `like` input as stored: the draws are independent, so any layout is theirs), times `scale` plus
// `mean`. The numbers are LiteRT's own (seed 0: new ones each run), never onnxruntime's: the self-check compares the
// two models with every such draw at its mean (src/core/verify-random.ts).
import type { Node } from '../../ir/types';
import { attrFloat } from '../attrs';
import type { ConvertContext } from '../context';
import type { Perm } from '../layout';
import { Emitter } from './_emit';

/** RANDOM_STANDARD_NORMAL's seed: fixed, so that LiteRT.js's probe of a dynamic output and the sized copy that runs
 *  after it (runtime/litert-dynamic.ts) draw the same numbers (seed 0 would draw new ones in each). */
const SEED = 0x5eed;

export function emitRandomNormal(ctx: ConvertContext, node: Node, shape: number, perm: Perm): void {
  const e = new Emitter(ctx, node);
  const [mean, scale] = [attrFloat(node, 'mean', 0), attrFloat(node, 'scale', 1)];
  const out = ctx.output(node.outputs[0], perm);
  const stored = ctx.tensors[out].shapeSignature ?? ctx.tensors[out].shape;
  const draw = e.op('RANDOM_STANDARD_NORMAL', [shape], stored, 'FLOAT32', { seed: SEED, seed2: ctx.tensors.length }, scale === 1 && mean === 0 ? out : undefined);
  if (scale === 1 && mean === 0) return;
  const scaled = scale === 1 ? draw : e.bin('MUL', draw, e.scalar(scale), mean === 0 ? out : undefined);
  if (mean !== 0) e.bin('ADD', scaled, e.scalar(mean), out);
}

// ONNX AffineGrid (opset 20; torch's F.affine_grid): the sampling grid of affine matrices theta ([N, 2, 3] for
// images, [N, 3, 4] for volumes) over a constant size → the constant base grid of normalized coordinates
// ([x, y(, z), 1] per output position, align_corners as ONNX defines it) times thetaᵀ: one BATCH_MATMUL ([1, P, k]
// by [N, r, k] with adj_y), reshaped to [N, H, W, 2] / [N, D, H, W, 3].
import { toNumbers } from '../../ir/tensor';
import { attrInt } from '../attrs';
import { identity } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';

/** Normalized coordinates of `n` positions in [-1, 1]. */
function coords(n: number, alignCorners: boolean): number[] {
  return Array.from({ length: n }, (_, i) => (alignCorners ? (n > 1 ? -1 + (2 * i) / (n - 1) : 0) : (2 * i + 1) / n - 1));
}

const AffineGrid: OpConverter = {
  op: 'AffineGrid', emits: ['BATCH_MATMUL', 'RESHAPE'], opset: [20, MAX_OPSET], inputs: [2, 2], dtypes: ['float32'], layout: 'any',
  int8: false,
  check(node, ctx) {
    if (!ctx.isConstant(node.inputs[1])) return refuse('computed-input', 'AffineGrid needs a constant size');
    const size = toNumbers(ctx.constant(node.inputs[1])!);
    if (size.length !== 4 && size.length !== 5) return refuse('rank', `AffineGrid of a rank-${size.length} size is not supported (4 or 5)`);
    return undefined;
  },
  convert(node, ctx) {
    const size = toNumbers(ctx.constant(node.inputs[1])!);
    const spatial = size.slice(2);
    const k = spatial.length + 1;
    const align = attrInt(node, 'align_corners', 0) === 1;
    // positions in row-major order of the spatial dims (last one fastest); the coordinate of the last dim first
    const axes = spatial.map((n) => coords(n, align));
    const count = spatial.reduce((a, b) => a * b, 1);
    const base = new Float32Array(count * k);
    for (let p = 0; p < count; p++) {
      let rest = p;
      for (let d = spatial.length - 1; d >= 0; d--) {
        const i = rest % spatial[d];
        rest = Math.floor(rest / spatial[d]);
        base[p * k + (spatial.length - 1 - d)] = axes[d][i];
      }
      base[p * k + k - 1] = 1;
    }
    const e = new Emitter(ctx, node);
    const theta = ctx.inputOnnx(node.inputs[0]);
    const N = e.shape(theta)[0];
    const out = ctx.output(node.outputs[0], identity(spatial.length + 2));
    const grid = e.op('BATCH_MATMUL', [ctx.constFloat32(base, [1, count, k], `${node.name}/base_grid`), theta], [N, count, k - 1], 'FLOAT32',
      { adjX: false, adjY: true });
    e.reshape(grid, [N, ...spatial, k - 1], out);
  },
};
export default AffineGrid;

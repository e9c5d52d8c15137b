// ONNX Det (the determinant of each [n, n] matrix of an [..., n, n] input) → TFLite arithmetic, unrolled: the
// matrices viewed as [B, n·n] are SPLIT into their n·n entries ([B, 1] each), and the determinant is the cofactor
// expansion of those entries — a·d − b·c for n = 2, along the first row for n = 3, by the 2×2 minors of the first two
// rows times those of the last two (Laplace) for n = 4 — then viewed as the leading dims. TFLite has no determinant
// builtin (TensorFlow's MatrixDeterminant is a Flex op); matrices larger than 4×4 are refused (the unrolled expansion
// grows as n!, and a run-time LU needs pivoting by data).
import { identity } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';

/** Largest n the unrolled expansion handles. */
export const DET_MAX_N = 4;

const Det: OpConverter = {
  op: 'Det', emits: ['RESHAPE', 'SQUEEZE', 'SPLIT', 'MUL', 'SUB', 'ADD'], opset: [11, MAX_OPSET], inputs: [1, 1],
  dtypes: ['float32', 'float64'], layout: 'onnx', int8: false,
  check(node, ctx) {
    const dims = ctx.dims(node.inputs[0]);
    if (dims.length < 2) return refuse('rank', `Det needs an input of rank 2 or more (this one is ${dims.length}-D)`);
    const [r, c] = dims.slice(-2);
    if (r < 0 || c < 0 || dims.some((d) => d < 0)) return refuse('dynamic-shape', 'Det of matrices sized at run time is not supported; fix the dims with --input-shape');
    if (r !== c) return refuse('unsupported', `Det of non-square [${r}, ${c}] matrices is undefined`);
    if (r < 1 || r > DET_MAX_N) return refuse('unsupported', `Det is unrolled for matrices up to ${DET_MAX_N}×${DET_MAX_N} only (these are ${r}×${r}); TFLite has no determinant builtin`);
    return undefined;
  },
  convert(node, ctx) {
    const dims = ctx.dims(node.inputs[0]);
    const n = dims[dims.length - 1];
    const lead = dims.slice(0, -2);
    const b = lead.reduce((a, d) => a * d, 1);
    const e = new Emitter(ctx, node);
    const y = ctx.output(node.outputs[0], identity(lead.length));
    const flat = e.reshape(ctx.inputOnnx(node.inputs[0]), [b, n * n]);
    /** [B, 1] viewed as the leading dims: a scalar by SQUEEZE (a RESHAPE to [] reads an empty shape tensor, which
     *  LiteRT takes for a run-time one and then sizes the output at run time). */
    const done = (t: number) => (lead.length ? e.reshape(t, lead, y) : e.op('SQUEEZE', [t], [], e.type(t), { squeezeDims: [] }, y));
    if (n === 1) {
      done(flat);
      return;
    }
    const parts = Array.from({ length: n * n }, (_, i) => ctx.temp([b, 1], e.type(flat), `${node.name}/a${i}`));
    ctx.emit('SPLIT', [ctx.constInt32([1], `${node.name}/split_axis`, []), flat], parts, { numSplits: n * n });
    const a = (i: number, j: number) => parts[i * n + j]!;
    const mul = (p: number, q: number) => e.bin('MUL', p, q);
    /** The 2×2 minor of rows r0, r1 and columns c0, c1. */
    const minor2 = (r0: number, r1: number, c0: number, c1: number) => e.bin('SUB', mul(a(r0, c0), a(r1, c1)), mul(a(r0, c1), a(r1, c0)));
    let det: number;
    if (n === 2) det = minor2(0, 1, 0, 1);
    else if (n === 3) {
      const t0 = mul(a(0, 0), minor2(1, 2, 1, 2));
      const t1 = mul(a(0, 1), minor2(1, 2, 0, 2));
      const t2 = mul(a(0, 2), minor2(1, 2, 0, 1));
      det = e.bin('ADD', e.bin('SUB', t0, t1), t2);
    } else {
      // Laplace along rows {0, 1}: Σ over column pairs (j0 < j1) of (−1)^(1 + j0 + j1) · top minor · bottom minor.
      let pos: number | undefined;
      let neg: number | undefined;
      for (let j0 = 0; j0 < 4; j0++) {
        for (let j1 = j0 + 1; j1 < 4; j1++) {
          const [k0, k1] = [0, 1, 2, 3].filter((j) => j !== j0 && j !== j1);
          const t = mul(minor2(0, 1, j0, j1), minor2(2, 3, k0!, k1!));
          if ((j0 + j1) % 2 === 1) pos = pos === undefined ? t : e.bin('ADD', pos, t);
          else neg = neg === undefined ? t : e.bin('ADD', neg, t);
        }
      }
      det = e.bin('SUB', pos!, neg!);
    }
    done(det);
  },
};
export default Det;

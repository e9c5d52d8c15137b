// Shared conversion of the ONNX window functions (HannWindow, HammingWindow, BlackmanWindow), each a sum of
// cosines Σ c_k·cos(2πk·n/N): with a constant size the window is computed here and becomes a constant; a computed
// size gives RANGE → CAST → MUL/DIV → COS in the graph, sized at run time.
import { makeTensor, ONNX_DTYPES, toNumbers } from '../../ir/tensor';
import { attrInt } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET } from '../types';
import { scalarOf } from './_dynamic';
import { Emitter } from './_emit';

/** The window's cosine coefficients c_0, c_1, ... */
export function windowOp(op: string, coeffs: number[]): OpConverter {
  const fn = (n: number, N: number) => coeffs.reduce((s, c, k) => s + c * Math.cos((2 * Math.PI * k * n) / N), 0);
  return {
    op, emits: ['RANGE', 'CAST', 'MUL', 'DIV', 'COS', 'ADD', 'SUB'], incidental: ['RANGE', 'CAST', 'MUL', 'DIV', 'COS', 'ADD', 'SUB'] /* computed size only */,
    opset: [17, MAX_OPSET], dtypes: ['int32', 'int64'], layout: 'onnx',
    convert(node, ctx) {
      const periodic = attrInt(node, 'periodic', 1) === 1;
      const y = node.outputs[0];
      if (ctx.isConstant(node.inputs[0])) {
        const size = toNumbers(ctx.constant(node.inputs[0])!)[0];
        const N = periodic ? size : size - 1;
        const dt = ONNX_DTYPES[attrInt(node, 'output_datatype', 1)] ?? 'float32';
        ctx.constants.set(y, makeTensor(y, dt, [size], Array.from({ length: size }, (_, n) => fn(n, N))));
        return;
      }
      const e = new Emitter(ctx, node);
      const size = scalarOf(ctx, e, node.inputs[0]);
      const n = e.cast(e.op('RANGE', [e.scalar(0, 'INT32'), size, e.scalar(1, 'INT32')], [-1], 'INT32'), 'FLOAT32');
      let N = e.cast(size, 'FLOAT32');
      if (!periodic) N = e.bin('SUB', N, e.scalar(1));
      const t = e.bin('DIV', e.bin('MUL', n, e.scalar(2 * Math.PI)), N);
      const out = ctx.dynamicOutput(y, [0], [-1]);
      let sum = -1;
      coeffs.forEach((c, k) => {
        const last = k === coeffs.length - 1;
        if (k === 0) return;
        const term = e.bin('MUL', e.un('COS', k === 1 ? t : e.bin('MUL', t, e.scalar(k))), e.scalar(c));
        sum = e.op('ADD', [sum < 0 ? term : sum, sum < 0 ? e.scalar(coeffs[0]) : term], [-1], 'FLOAT32', undefined, last ? out : undefined);
      });
    },
  };
}

// ONNX Erf → a rational approximation from TFLite builtins (TFLite has no erf kernel): x clamped to [-4, 4] (erf is
// ±1 in float32 beyond), then erf(x) ≈ x·P(x²)/Q(x²) with Eigen's float coefficients (degree 6 over degree 4 in x²),
// evaluated by Horner's rule: 12 MUL/ADD for P, 8 for Q, one MUL and one DIV. Measured on LiteRT against a
// float64 erf over [-10, 10]: max abs error 4.2e-7 (test/convert/gelu-erf.test.ts). GELU written with Erf never
// gets here: simplify-gelu.ts turns it into one GELU op.
import type { OpConverter } from '../types';
import { MAX_OPSET } from '../types';
import { Emitter } from './_emit';

/** Numerator coefficients in x² (highest degree first), then the denominator's. */
const P = [-2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06, -5.69250639462346e-05,
  -7.34990630326855e-04, -2.95459980854025e-03, -1.60960333262415e-02];
const Q = [-1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03, -7.37332916720468e-03,
  -1.42647390514189e-02];

const Erf: OpConverter = {
  // int8: the polynomial would lose its accuracy in 8 bits.
  op: 'Erf', emits: ['MINIMUM', 'MAXIMUM', 'MUL', 'ADD', 'DIV'], opset: [9, MAX_OPSET], dtypes: ['float32'], int8: false,
  layout: 'any',
  convert(node, ctx) {
    const e = new Emitter(ctx, node);
    const x = ctx.inputAny(node.inputs[0]);
    const y = ctx.output(node.outputs[0], x.perm);
    const xc = e.bin('MAXIMUM', e.bin('MINIMUM', x.index, e.scalar(4)), e.scalar(-4));
    const x2 = e.bin('MUL', xc, xc);
    const horner = (c: number[]) => c.slice(2).reduce((acc, k) => e.bin('ADD', e.bin('MUL', acc, x2), e.scalar(k)),
      e.bin('ADD', e.bin('MUL', x2, e.scalar(c[0])), e.scalar(c[1])));
    e.bin('DIV', e.bin('MUL', xc, horner(P)), horner(Q), y);
  },
};
export default Erf;

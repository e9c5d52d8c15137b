// ONNX MelWeightMatrix (opset 17) of inputs known only at run time → TFLite arithmetic on RANGEs, the matrix sized
// when it runs: [dft_length / 2 + 1, num_mel_bins] triangles between mel-spaced FFT bins, as the reference
// implementation (and the folding of constant inputs, fold-kernels.ts melWeightMatrix) computes them: num_mel_bins + 2
// points spaced evenly in mel (2595·log10(1 + hz / 700)) from lower_edge_hertz to upper_edge_hertz (the step is the
// span over num_mel_bins + 2), back to hertz and floored to bins ((dft_length + 1)·hz / sample_rate); column i rises
// from bin i to bin i + 1 and falls to bin i + 2 (a rise of no width is a 1 at its centre), the fall written last.
// Computed in float32: a bin edge whose float64 value is a whole number may floor one lower.
import { toNumbers } from '../../ir/tensor';
import { attrInt } from '../attrs';
import { identity } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';

const MelWeightMatrix: OpConverter = {
  op: 'MelWeightMatrix', emits: ['CAST', 'RESHAPE', 'RANGE', 'FLOOR_DIV', 'ADD', 'SUB', 'MUL', 'DIV', 'LOG', 'EXP', 'FLOOR', 'MAXIMUM',
    'LESS', 'LESS_EQUAL', 'GREATER', 'EQUAL', 'LOGICAL_AND', 'SELECT_V2'],
  opset: [17, MAX_OPSET], inputs: [5, 5], dtypes: ['int32', 'int64'], layout: 'onnx', int8: false, micro: false,
  check(node, ctx) {
    const type = attrInt(node, 'output_datatype', 1);
    if (type !== 1 && type !== 11) return refuse('attribute', `MelWeightMatrix with output_datatype ${type} is not supported (float32 only)`);
    for (const i of node.inputs) if (ctx.dims(i).some((d) => d !== 1)) return refuse('attribute', 'MelWeightMatrix takes scalar inputs');
    return undefined;
  },
  convert(node, ctx) {
    const e = new Emitter(ctx, node);
    const scalarOf = (name: string, type: 'INT32' | 'FLOAT32') => {
      let t = ctx.inputOnnx(name);
      if (e.type(t) !== type) t = e.cast(t, type);
      return e.shape(t).length ? e.reshape(t, []) : t;
    };
    const [melName, dftName, rateName, loName, hiName] = node.inputs;
    const m = scalarOf(melName, 'INT32');
    const dft = scalarOf(dftName, 'INT32');
    const rate = scalarOf(rateName, 'FLOAT32');
    const f = (v: number) => e.scalar(v);
    const int = (v: number) => e.scalar(v, 'INT32');
    const float = (t: number) => e.cast(t, 'FLOAT32');
    const toMel = (hz: number) => e.bin('MUL', e.un('LOG', e.bin('ADD', e.bin('DIV', hz, f(700)), f(1))), f(2595 / Math.LN10));
    const lo = toMel(scalarOf(loName, 'FLOAT32'));
    const hi = toMel(scalarOf(hiName, 'FLOAT32'));
    const step = e.bin('DIV', e.bin('SUB', hi, lo), float(e.bin('ADD', m, int(2))));
    const columns = e.op('RANGE', [f(0), float(m), f(1)], [-1], 'FLOAT32');
    const dft1 = float(e.bin('ADD', dft, int(1)));
    /** Bin edge i + k of each column i, [1, M]. */
    const edge = (k: number) => {
      const mel = e.bin('ADD', e.bin('MUL', e.bin('ADD', columns, f(k)), step), lo);
      const hz = e.bin('MUL', e.bin('SUB', e.un('EXP', e.bin('MUL', mel, f(Math.LN10 / 2595))), f(1)), f(700));
      return e.reshape(e.un('FLOOR', e.bin('DIV', e.bin('MUL', dft1, hz), rate)), [1, -1]);
    };
    const [left, centre, right] = [edge(0), edge(1), edge(2)];
    const rows = e.bin('ADD', e.bin('FLOOR_DIV', dft, int(2)), int(1));
    const j = e.reshape(e.op('RANGE', [f(0), float(rows), f(1)], [-1], 'FLOAT32'), [-1, 1]);
    const and = (a: number, b: number) => e.bin('LOGICAL_AND', a, b);
    const width = (a: number, b: number) => e.bin('MAXIMUM', e.bin('SUB', a, b), f(1));
    const rise = e.bin('DIV', e.bin('SUB', j, left), width(centre, left));
    const fall = e.bin('DIV', e.bin('SUB', right, j), width(right, centre));
    const inRise = and(and(e.bin('LESS_EQUAL', left, j), e.bin('LESS_EQUAL', j, centre)), e.bin('GREATER', centre, left));
    const inFall = and(e.bin('LESS_EQUAL', centre, j), e.bin('LESS', j, right));
    const peak = and(e.bin('EQUAL', centre, left), e.bin('EQUAL', j, centre));
    // Sized by the inputs' values, not by the shapes the model declares for the output.
    const known = (name: string) => { const c = ctx.constant(name); return c ? toNumbers(c)[0] : undefined; };
    const [mc, dc] = [known(melName), known(dftName)];
    const y = ctx.dynamicOutput(node.outputs[0], identity(2), [dc === undefined ? -1 : Math.floor(dc / 2) + 1, mc ?? -1], 'FLOAT32');
    const base = e.select(peak, f(1), f(0));
    e.select(inFall, fall, e.select(inRise, rise, base), y);
  },
};
export default MelWeightMatrix;

// Shared by the bias-correction tests: a model calibrated with 99th-percentile ranges (which clip) and the mean |shift|.
import type { Model, Tensor } from '../../src/ir/types';
import { convertModel } from '../../src/convert/convert';
import { simplifiedModel } from '../../src/convert/simplify';
import { RangeCollector, onnxRanges, plan, tfliteRanges } from '../../src/calibration/ranges';
import { deriveRanges } from '../../src/calibration/derive';
import { activationParams, tensorsWithoutParams } from '../../src/quantize/int8';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { rng } from './helpers';


/** `model` converted and its int8 parameters from 99th-percentile ranges on `samples`. */
export async function calibrated(samples: Tensor[][], model: Model) {
  const result = convertModel(model, {});
  const onnx = simplifiedModel(model);
  const collector = new RangeCollector({ method: 'percentile', percentile: 99 });
  const need = tensorsWithoutParams(result, activationParams(result, new Map()));
  await onnxRanges(collector, onnx, plan(result, onnx, need).onnx, samples);
  const derived = () => {
    const r = collector.ranges();
    deriveRanges(result, r, tensorsWithoutParams(result, activationParams(result, r)));
    return r;
  };
  await tfliteRanges(collector, result, tensorsWithoutParams(result, activationParams(result, derived())), samples);
  return { result, params: activationParams(result, derived()) };
}

/** Mean over layers and channels of |shift| (NaN channels aside). */
export function meanAbs(shifts: Float64Array[]): number {
  let s = 0;
  let n = 0;
  for (const layer of shifts) for (const v of layer) if (!Number.isNaN(v)) { s += Math.abs(v); n++; }
  return s / n;
}

/** Three convs in a chain, then a ReLU (the bias-sequential and bias-choice tests). */
export function convChain(): Model {
  const r = rng(11);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  return buildModel({
    inputs: [['x', 'float32', [1, 4, 12, 12]]], outputs: [['y', 'float32', [1, 8, 12, 12]]],
    initializers: [
      tensor('w1', 'float32', [8, 4, 3, 3], w(288, 0.6)), tensor('b1', 'float32', [8], w(8, 0.2)),
      tensor('w2', 'float32', [8, 8, 3, 3], w(576, 0.4)), tensor('b2', 'float32', [8], w(8, 0.2)),
      tensor('w3', 'float32', [8, 8, 1, 1], w(64, 1)), tensor('b3', 'float32', [8], w(8, 0.2)),
    ],
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['a'], { pads: [1, 1, 1, 1] }), node('Conv', ['a', 'w2', 'b2'], ['b'], { pads: [1, 1, 1, 1] }),
      node('Conv', ['b', 'w3', 'b3'], ['c']), node('Relu', ['c'], ['y']),
    ],
  });
}

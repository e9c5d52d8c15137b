// int8 of a backward warp (Super SloMo, optical flow nets: grid = meshgrid + flow, GridSample of the image there):
// the grid, its pixel coordinates, corner indices and bilinear weights stay float32 back to the conv making the flow
// (int8-sampling.ts), and so do the corner weighting and sums (the gathered pixels stay int8); an int8 grid over
// [-1, 1] moves every sample by up to 1/255 of the image. Real LiteRT against
// onnxruntime-node on the calibration samples (the guard's cosine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { convertModel } from '../../src/convert/convert';
import { decodeModel } from '../../src/onnx/reader';
import { quantizeModelBytes } from '../../src/quantize/file';
import { samplingOps } from '../../src/quantize/int8-sampling';
import { floatIslands } from '../../src/quantize/int8-float-islands';
import { rng } from './helpers';

const [C, H, W] = [3, 48, 64];

/** flow = 1×1 conv of the image (about ±0.1 of the grid's span), grid = meshgrid (x, y in [-1, 1]) + flow. */
function backwardWarp(): Uint8Array {
  const r = rng(3);
  const base: number[] = [];
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) base.push(((2 * x + 1) / W) - 1, ((2 * y + 1) / H) - 1);
  return encodeModel(buildModel({
    opset: 16,
    inputs: [['img', 'float32', [1, C, H, W]]], outputs: [['out', 'float32', [1, C, H, W]]],
    initializers: [
      tensor('wf', 'float32', [2, C, 1, 1], Array.from({ length: 2 * C }, () => (r() - 0.5) * 0.2)), tensor('bf', 'float32', [2], [0.02, -0.03]),
      tensor('base', 'float32', [1, H, W, 2], base),
    ],
    nodes: [
      node('Conv', ['img', 'wf', 'bf'], ['flow']), node('Transpose', ['flow'], ['flowT'], { perm: [0, 2, 3, 1] }),
      node('Add', ['base', 'flowT'], ['grid']),
      node('GridSample', ['img', 'grid'], ['out'], { mode: 'bilinear', padding_mode: 'zeros', align_corners: 0 }),
    ],
  }));
}

test('a GridSample\'s coordinates and its corner weighting are a float island back to the conv making the flow; the gathers are not', () => {
  const sg = convertModel(decodeModel(backwardWarp())).model.subgraphs[0];
  const ops = samplingOps(sg);
  const of = (name: string) => sg.operators.flatMap((o, k) => (o.opcode === name ? [k] : []));
  assert.ok(of('CONV_2D').every((k) => ops.has(k)), 'the flow\'s conv computes in float (int8 weights)');
  assert.ok(of('FLOOR').length > 0 && of('FLOOR').every((k) => ops.has(k)));
  assert.ok(of('GATHER_ND').every((k) => !ops.has(k)), 'the gathers move int8 pixels');
  // The corner weighting (DEKR: the search's ranking put these first, 12.7 dB each group): each gathered value times
  // its bilinear weight, and the three pairwise sums of the four products, float32; the gathered values int8.
  const gathered = new Set(of('GATHER_ND').map((k) => sg.operators[k].outputs[0]));
  const products = [...ops].filter((k) => sg.operators[k].opcode === 'MUL' && sg.operators[k].inputs.some((i) => gathered.has(i)));
  assert.equal(products.length, 4, 'the four corners\' products');
  const weighted = new Set(products.map((k) => sg.operators[k].outputs[0]));
  const sums = [...ops].sort((a, b) => a - b).filter((k) => {
    const o = sg.operators[k];
    if (o.opcode !== 'ADD' || !o.inputs.every((i) => weighted.has(i))) return false;
    weighted.add(o.outputs[0]);
    return true;
  });
  assert.equal(sums.length, 3, 'the pairwise corner sums');
  const islands = floatIslands(sg);
  assert.ok([...ops].every((k) => islands.has(k)), 'the int8 pass keeps them float');
});

test('int8 of a backward warp meets the guard in plain int8 with its sampling coordinates float32', async (t) => {
  const { summary, result } = await quantizeModelBytes(backwardWarp(), 'warp.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true, count: 4 });
  assert.ok(result.warnings.some((w) => /sampling coordinates/.test(w)), result.warnings.join('\n'));
  // 0.999992 with the corner weighting float32 too, 0.999974 with it int8; 0.9074 without the island (GridSample 45
  // dB → 7 dB).
  t.diagnostic(`plain int8 cosine ${summary.int8Cosine}`);
  assert.ok(summary.int8Cosine! >= 0.995, `plain int8 cosine ${summary.int8Cosine}`);
});

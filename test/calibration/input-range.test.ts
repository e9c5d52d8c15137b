// The graph input's int8 range under percentile / MSE ranges (src/calibration/ranges.ts keepExtremes): what the user
// feeds keeps its min / max. PaddleOCR det's calibration pages: white paper is the blue channel's maximum (2.64 after
// ImageNet normalization) on a third of the pages, the other pages' paper is darker, so the mean of the per-page
// 99.99th percentiles (2.45) clipped every white page's whole background (held-out mask IoU, bench int8-tasks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy } from '../../src/core/npy';
import { makeTensor } from '../../src/ir/tensor';
import type { Tensor } from '../../src/ir/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { runOnnx } from '../../src/runtime/ort';
import { cosine, rng, runFirstOutput } from '../quantize/helpers';

/** Large enough (12,288 values) for the 99.99th percentile to drop a value per sample (smaller tensors keep min / max). */
const DIMS = [1, 3, 64, 64];
const PLANE = 64 * 64;
const WHITE = 2.64;

/** A "page": paper of value `paper` with a dark stroke of ink (-1.8) across a few rows. */
function page(paper: number, seed: number): Tensor {
  const r = rng(seed);
  const data = new Float32Array(3 * PLANE);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < PLANE; i++) {
      const row = i >> 6;
      data[c * PLANE + i] = row >= 20 + (seed % 3) && row < 26 + (seed % 3) && r() < 0.7 ? -1.8 + 0.2 * r() : paper;
    }
  }
  return makeTensor('x', 'float32', DIMS, data);
}

function pageModel(): Uint8Array {
  const r = rng(3);
  const w = Array.from({ length: 4 * 3 * 9 }, () => (r() - 0.5) * 0.6);
  return encodeModel(buildModel({
    inputs: [['x', 'float32', DIMS]], outputs: [['y', 'float32', [1, 4, 64, 64]]],
    initializers: [tensor('w', 'float32', [4, 3, 3, 3], w), tensor('b', 'float32', [4], [0.1, -0.2, 0.05, 0])],
    nodes: [node('Conv', ['x', 'w', 'b'], ['y'], { pads: [1, 1, 1, 1] })],
  }));
}

for (const method of ['percentile', 'mse'] as const) {
  test(`${method} ranges: the graph input keeps its min / max (white paper on one page of four is not clipped)`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'input-range-'));
    try {
      // One white page, three on darker paper (2.24): the white page's paper is its most common value.
      const pages = [page(WHITE, 1), page(2.24, 2), page(2.24, 3), page(2.24, 4)];
      pages.forEach((p, k) => writeFileSync(join(dir, `${k}.npy`), encodeNpy(p)));
      const bytes = pageModel();
      const { result } = await quantizeModelBytes(bytes, 'page.onnx', {}, { mode: 'int8', calibration: dir, method, int16: 'off', allowDegraded: true });
      const sg = result.model.subgraphs[0];
      const q = sg.operators.find((op) => op.opcode === 'QUANTIZE' && op.inputs[0] === sg.inputs[0]);
      assert.ok(q, 'the float input is quantized by a QUANTIZE');
      const p = sg.tensors[q!.outputs[0]].quantization!;
      const top = (127 - p.zeroPoint[0]) * p.scale[0];
      assert.ok(top >= WHITE - p.scale[0] / 2, `int8 input range reaches ${top.toFixed(3)}, the white paper is ${WHITE}`);
      // On LiteRT: the white page's conv output as onnxruntime's (its paper is not moved to the range's end).
      const ref = (await runOnnx(bytes, [pages[0]])).get('y')!.data as Float32Array;
      const got = await runFirstOutput(result.model, [pages[0]]);
      let err = 0;
      let norm = 0;
      for (let i = 0; i < ref.length; i++) { err += (got[i] - ref[i]) ** 2; norm += ref[i] ** 2; }
      assert.ok(Math.sqrt(err / norm) < 0.02 && cosine(got, ref) > 0.999, `relative error ${Math.sqrt(err / norm).toFixed(4)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

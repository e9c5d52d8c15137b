// int8 on a streaming model whose data input and output have the same shape, its LSTM state stacked in one input
// and one output (DTLN's stages: a magnitude frame [1, 1, F] in, its mask [1, 1, F] out, h and c stacked as
// [1, 2, 128, 2]; here [1, 2, H]): src/quantize/int8-recurrent.ts takes the input read only by slices as the state
// (before, every input had an output of its shape, so none was taken: the cell ran int8 and the state drifted).
// On real LiteRT against onnxruntime, each side feeding its own state back. A cache over MAX_STATE beside small
// states is a state too (GTCRN's conv cache).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Tensor } from '../../src/ir/types';
import type { TflSubgraph } from '../../src/tflite/model';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { stateInputs } from '../../src/quantize/int8-recurrent';
import { openOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { parseTflite } from '../../src/tflite/reader';
import { serializeTflite } from '../../src/tflite/writer';
import { encodeNpy } from '../../src/core/npy';
import { cosine, rng } from './helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-int8-stacked-state-'));
const f32 = (name: string, dims: number[], data: Float32Array): Tensor => ({ name, dtype: 'float32', dims, data });
const F = 24, H = 16;

/** mag [1, 1, F] and state [1, 2, H] (h, c) → LSTM (one step) → Gemm → Sigmoid: mask [1, 1, F]; state out [1, 2, H]. */
function maskLstm(): Uint8Array {
  const r = rng(5);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  return encodeModel(buildModel({
    inputs: [['mag', 'float32', [1, 1, F]], ['state', 'float32', [1, 2, H]]],
    outputs: [['mask', 'float32', [1, 1, F]], ['state_out', 'float32', [1, 2, H]]],
    initializers: [
      tensor('W', 'float32', [1, 4 * H, F], w(4 * H * F, 0.8)), tensor('R', 'float32', [1, 4 * H, H], w(4 * H * H, 1.2)),
      tensor('B', 'float32', [1, 8 * H], w(8 * H, 0.4)), tensor('wd', 'float32', [H, F], w(H * F, 2)), tensor('bd', 'float32', [F], w(F, 0.5)),
      tensor('s0', 'int64', [1], [0]), tensor('s1', 'int64', [1], [1]), tensor('s2', 'int64', [1], [2]), tensor('ax1', 'int64', [1], [1]),
      tensor('seqShape', 'int64', [3], [1, 1, H]),
    ],
    nodes: [
      node('Slice', ['state', 's0', 's1', 'ax1'], ['h0']), node('Slice', ['state', 's1', 's2', 'ax1'], ['c0']),
      node('LSTM', ['mag', 'W', 'R', 'B', '', 'h0', 'c0'], ['Y', 'hn', 'cn'], { hidden_size: H }),
      node('Concat', ['hn', 'cn'], ['state_out'], { axis: 1 }),
      node('Reshape', ['hn', 'seqShape'], ['hs']), node('MatMul', ['hs', 'wd'], ['l0'], {}), node('Add', ['l0', 'bd'], ['l']),
      node('Sigmoid', ['l'], ['mask']),
    ],
  }));
}

/** The masks and the final state over the frames, each side feeding its own state back. */
async function stream(run: (f: Tensor[]) => Promise<Map<string, Tensor>>, xs: Float32Array[], onStep?: (f: Tensor[]) => void): Promise<{ masks: number[]; state: Float32Array }> {
  let state = new Float32Array(2 * H);
  const masks: number[] = [];
  for (const x of xs) {
    const feeds = [f32('mag', [1, 1, F], x), f32('state', [1, 2, H], state)];
    onStep?.(feeds);
    const out = await run(feeds);
    masks.push(...(out.get('mask')!.data as Float32Array));
    state = Float32Array.from(out.get('state_out')!.data as Float32Array);
  }
  return { masks, state };
}

test('a stacked LSTM state beside a data input and output of one shape: the input read by slices is the state, the cell runs float', async () => {
  const bytes = maskLstm();
  const frames = (n: number, seed: number) => { const q = rng(seed); return Array.from({ length: n }, (_, t) => Float32Array.from({ length: F }, () => q() * 3 * (1.2 + Math.sin(t / 4)))); };
  const ort = await openOnnx(bytes);
  const dir = path.join(tmp, 'cal');
  let k = 0;
  await stream((f) => ort.run(f), frames(40, 3), (feeds) => {
    const d = path.join(dir, String(k++).padStart(3, '0'));
    fs.mkdirSync(d, { recursive: true });
    feeds.forEach((t, i) => fs.writeFileSync(path.join(d, `input_${i}.npy`), encodeNpy({ ...t, data: Float32Array.from(t.data as Float32Array) })));
  });
  const { result } = await quantizeModelBytes(bytes, 'mask-lstm.onnx', {}, { mode: 'int8', calibration: dir, int16: 'off', allowDegraded: true });
  const sg = result.model.subgraphs[0];
  const states = stateInputs(parseTflite(serializeTflite(result.model)).subgraphs[0]);
  assert.equal(states.inputs.length, 1, 'one state input (the one read only by slices), not the magnitude');
  assert.equal(sg.tensors[states.inputs[0]].name, 'state');
  const recurrent = sg.operators.filter((o) => o.opcode === 'FULLY_CONNECTED' && sg.tensors[o.inputs[0]].type === 'FLOAT32');
  assert.ok(recurrent.length >= 1, 'the recurrent projection of the state runs in float');
  const lite = await openConverted(serializeTflite(result.model));
  const evalFrames = frames(60, 77);
  const a = await stream((f) => ort.run(f), evalFrames);
  const b = await stream((f) => lite.run(f), evalFrames);
  lite.close();
  await ort.close();
  assert.ok(cosine(b.state, a.state) > 0.999, `state after 60 frames: cosine ${cosine(b.state, a.state)}`);
  assert.ok(cosine(b.masks, a.masks) > 0.999, `masks over 60 frames: cosine ${cosine(b.masks, a.masks)}`);
});

test('a cache over 4,096 values beside small states is a state (GTCRN: conv_cache [2, 1, 16, 16, 33]); alone it is not', () => {
  const sg = (inputs: number[][], outputs: number[][]): TflSubgraph => {
    const tensors = [...inputs, ...outputs].map((shape, i) => ({ name: `t${i}`, type: 'FLOAT32' as const, shape }));
    return { tensors, inputs: inputs.map((_, i) => i), outputs: outputs.map((_, i) => inputs.length + i), operators: [] } as unknown as TflSubgraph;
  };
  assert.deepEqual(stateInputs(sg([[1, 512], [2, 1, 16, 16, 33], [2, 1, 64]], [[1, 1], [2, 1, 16, 16, 33], [2, 1, 64]])), { inputs: [2, 1], outputs: [5, 4] });
  assert.deepEqual(stateInputs(sg([[1, 512], [2, 1, 16, 16, 33]], [[1, 1], [2, 1, 16, 16, 33]])), { inputs: [], outputs: [] }, 'no small state: not a recurrent model by this rule');
  assert.deepEqual(stateInputs(sg([[1, 16], [1, 3, 224, 224], [2, 1, 64]], [[1, 3, 224, 224], [2, 1, 64], [1, 1]])), { inputs: [2], outputs: [4] }, 'an image is over the cache bound');
});

// Random calibration (no --calibration folder) seeds token ids and lengths as convert's self-check does
// (core/verify-seeds.ts). A model with a lengths input fed 0 masks every frame: its attention's softmax is over -inf
// only, NaN in onnxruntime, and every tensor after it had no range, so int8 left the rest of the model float32 (the
// compatibility audit's conformer_lengths: 103 nodes marked int8 left float); every other sample is padded to half
// its length, so that the mask's fill is in the calibrated ranges as a padded batch at run time puts it there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';

const [T, E] = [10, 8];
const w = (name: string, seed: number) => tensor(name, 'float32', [E, E], Array.from({ length: E * E }, (_, i) => Math.sin(i * 0.29 + seed) * 0.4));

/** x [1, T, E] and its lengths [1]: keys past the length masked with -inf (arange(T) >= lengths), self-attention, an
 *  output projection after it. */
function lengthsAttention(): Uint8Array {
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, T, E]], ['x_lens', 'int64', [1]]], outputs: ['y'], opset: 13,
    nodes: [
      node('MatMul', ['x', 'wq'], ['q']), node('MatMul', ['x', 'wk'], ['k']), node('MatMul', ['x', 'wv'], ['v']),
      node('Transpose', ['k'], ['kt'], { perm: [0, 2, 1] }), node('MatMul', ['q', 'kt'], ['scores']),
      node('Unsqueeze', ['x_lens', 'ax1'], ['lens2']), node('GreaterOrEqual', ['range', 'lens2'], ['pad']),
      node('Unsqueeze', ['pad', 'ax1'], ['pad3']), node('Where', ['pad3', 'neginf', 'scores'], ['masked'], {}, 'mask_fill'),
      node('Softmax', ['masked'], ['p'], { axis: -1 }), node('MatMul', ['p', 'v'], ['ctx']),
      node('MatMul', ['ctx', 'wo'], ['y'], {}, 'out_proj'),
    ],
    initializers: [w('wq', 1), w('wk', 2), w('wv', 3), w('wo', 4), tensor('ax1', 'int64', [1], [1]),
      tensor('range', 'int64', [1, T], Array.from({ length: T }, (_, i) => i)), tensor('neginf', 'float32', [], [-Infinity])],
  }));
}

test('random int8 calibration feeds lengths of the padded length and of half: the layers after a masked attention run in int8, the mask in float32', async () => {
  const { result } = await quantizeModelBytes(lengthsAttention(), path.join(os.tmpdir(), 'lens-attn.onnx'), {},
    { mode: 'int8', count: 2, int16: 'off', allowDegraded: true, minCosine: 0 });
  assert.ok(!result.warnings.some((x) => /no calibration range/.test(x)), result.warnings.join('\n'));
  const sg = result.model.subgraphs[0];
  const proj = sg.operators.find((o) => o.onnxNode === 'out_proj' && o.opcode === 'FULLY_CONNECTED')!;
  assert.equal(sg.tensors[proj.inputs[0]].type, 'INT8');
  // Half the samples are padded: the fill's range is calibrated, and the masked scores stay float32 as the
  // compatibility view marks them (int8-attention-mask.ts); all samples at full length had them int8.
  const fill = sg.operators.find((o) => o.onnxNode === 'mask_fill' && o.opcode === 'SELECT_V2')!;
  assert.equal(sg.tensors[fill.outputs[0]].type, 'FLOAT32');
});

// The debug copy (src/compare/tap.ts) on real LiteRT: a tapped graph input reads the fed values and leaves the run as
// it was (bound as an output, LiteRT ran the model on the output's buffer: the tap read zeros, the outputs changed).
import test from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { convertModel } from '../../src/convert/convert';
import { debugCopy } from '../../src/compare/tap';
import { openTflite } from '../../src/runtime/litert';

test('a graph input among the taps is fed through a CAST: the tap reads the input, the outputs stay as untapped', async () => {
  const model = buildModel({
    inputs: [['x', 'float32', [2, 8]]],
    outputs: ['y'],
    initializers: [tensor('w', 'float32', [8, 4], Array.from({ length: 32 }, (_, i) => Math.cos(i)))],
    nodes: [node('MatMul', ['x', 'w'], ['h']), node('Relu', ['h'], ['y'])],
  });
  const result = convertModel(model, {});
  const sg = result.model.subgraphs[0];
  const [inp] = sg.inputs;
  const [out] = sg.outputs;
  const x = Float32Array.from({ length: 16 }, (_, i) => Math.sin(i + 1));
  const run = async (taps: number[]) => {
    const copy = debugCopy(result.model, taps);
    const s = await openTflite(copy.bytes);
    try {
      const outs = copy.read(await s.run([{ name: 'x', dtype: 'float32', dims: [2, 8], data: x }]));
      return (i: number) => Array.from(outs.get(i)!.data as Float32Array);
    } finally {
      s.close();
    }
  };
  const plain = await run([out]);
  const withInput = await run([inp, out]);
  assert.deepEqual(withInput(inp), Array.from(x));
  assert.deepEqual(withInput(out), plain(out));
  assert.ok(plain(out).some((v) => v !== 0));
});

// onnxruntime-extensions' custom ops (domain com.microsoft.extensions, or ai.onnx.contrib) are pre / post-processing
// joined to a model (onnxruntime-inference-examples' super-resolution model with DecodeImage / EncodeImage at
// opset 18, its OpenAIAudioToText whisper model). They were refused as "an onnxruntime fused op (written by
// onnxruntime's graph optimizer) ... convert the model as exported, before onnxruntime's optimizations", which
// sends the user to the wrong fix; the line now names onnxruntime-extensions and says to convert the network alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { ConvertError } from '../../src/convert/types';
import { unsupportedRefusal } from '../../src/convert/registry';
import { buildModel, node } from '../../src/onnx/builder';
import type { Node } from '../../src/ir/types';

const inDomain = (domain: string, op: string, i: string[], o: string[]): Node => ({ ...node(op, i, o), domain });

test('an onnxruntime-extensions DecodeImage is refused as such, with the custom-domain code', () => {
  const m = buildModel({
    opset: 18, infer: false, inputs: [['image', 'uint8', [1000]]], outputs: [['y', 'float32', [1, 3, 8, 8]]],
    nodes: [inDomain('com.microsoft.extensions', 'DecodeImage', ['image'], ['rgb']), node('Cast', ['rgb'], ['c'], { to: 1 }),
      node('Transpose', ['c'], ['t'], { perm: [2, 0, 1] }), node('Unsqueeze', ['t'], ['y'], { axes: [0] })],
  });
  m.opsets.set('com.microsoft.extensions', 1);
  assert.throws(() => convertModel(m), (e: unknown) => e instanceof ConvertError && e.code === 'custom-domain'
    && /com\.microsoft\.extensions\.DecodeImage is an onnxruntime-extensions custom op/.test(e.message) && !/graph optimizer/.test(e.message));
});

test('ai.onnx.contrib (onnxruntime-extensions\' default domain) reads the same; onnxruntime\'s own fusions keep their line', () => {
  assert.match(unsupportedRefusal(inDomain('ai.onnx.contrib', 'GPT2Tokenizer', ['s'], ['ids']), 17).message, /onnxruntime-extensions custom op/);
  assert.match(unsupportedRefusal(inDomain('com.microsoft.nchwc', 'Conv', ['x', 'w'], ['y']), 17).message, /graph optimizer/);
});

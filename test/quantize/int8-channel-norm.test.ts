// A per-channel normalization (InstanceNorm / GroupNorm) after a conv stays float32 in int8 from the conv to the
// division (int8-channel-norm.ts): with one int8 scale for all of the conv's channels, a narrow channel kept a few
// steps and the norm scaled them up to unit spread (LDC's fusion block: the norm's output at 14.8 dB SNR).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { encodeNpy } from '../../src/core/npy';
import { quantizeModelBytes } from '../../src/quantize/file';
import { channelNormOps } from '../../src/quantize/int8-channel-norm';
import { convertModel } from '../../src/convert/convert';
import { decodeModel } from '../../src/onnx/reader';
import { runOnnx } from '../../src/runtime/ort';
import { cosine, floats, rng, runFirstOutput } from './helpers';

const C = 8;

/** x [1, 3, 16, 16] → conv 3×3 3→8 whose channels' gains run from 4 down to 0.004 → norm → Relu → 1×1 conv 8→4. The norm
 *  is InstanceNormalization, or (`layer`) a LayerNorm over the channels of each pixel. */
function normed(kind: 'instance' | 'group' | 'layer'): Uint8Array {
  const r = rng(5);
  const w = Array.from({ length: C * 27 }, (_, i) => (r() - 0.5) * 4 * 0.001 ** (Math.floor(i / 27) / (C - 1)));
  const norm = kind === 'instance' ? [node('InstanceNormalization', ['h', 'g', 'b'], ['n'], { epsilon: 1e-5 })]
    : kind === 'group' ? [ // GroupNorm(4, 8) as torch exports it: a view [1, 4, -1], InstanceNormalization, the view back, the affine
      node('Reshape', ['h', 'gshape'], ['hg']), node('InstanceNormalization', ['hg', 'g4', 'b4'], ['ng'], { epsilon: 1e-5 }),
      node('Reshape', ['ng', 'hshape'], ['n'])]
    : [node('Transpose', ['h'], ['ht'], { perm: [0, 2, 3, 1] }), node('LayerNormalization', ['ht', 'gl', 'bl'], ['nt'], { axis: -1, epsilon: 1e-5 }),
      node('Transpose', ['nt'], ['n'], { perm: [0, 3, 1, 2] })];
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 3, 16, 16]]], outputs: ['y'], opset: 17,
    nodes: [node('Conv', ['x', 'w1', 'c1'], ['h'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), ...norm,
      node('Relu', ['n'], ['a']), node('Conv', ['a', 'w2', 'c2'], ['y'], { kernel_shape: [1, 1] })],
    initializers: [tensor('w1', 'float32', [C, 3, 3, 3], w), tensor('c1', 'float32', [C], Array.from({ length: C }, () => 0)),
      tensor('g', 'float32', [C], Array(C).fill(1)), tensor('b', 'float32', [C], Array(C).fill(0.1)),
      tensor('g4', 'float32', [4], Array(4).fill(1)), tensor('b4', 'float32', [4], Array(4).fill(0)),
      tensor('gl', 'float32', [C], Array(C).fill(1)), tensor('bl', 'float32', [C], Array(C).fill(0.1)),
      tensor('gshape', 'int64', [3], [1, 4, -1]), tensor('hshape', 'int64', [4], [1, C, 16, 16]),
      tensor('w2', 'float32', [4, C, 1, 1], Array.from({ length: 4 * C }, () => r() - 0.5)), tensor('c2', 'float32', [4], [0, 0, 0, 0])],
  }));
}

const picture = (r: () => number) => tensor('x', 'float32', [1, 3, 16, 16], Array.from({ length: 768 }, () => r()));

async function worstCosine(bytes: Uint8Array): Promise<{ worst: number; convOut: string }> {
  const r = rng(8);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'o2l-chnorm-'));
  for (let k = 0; k < 8; k++) fs.writeFileSync(path.join(dir, `s${k}.npy`), encodeNpy(picture(r)));
  const { result } = await quantizeModelBytes(bytes, 'norm.onnx', {}, { mode: 'int8', calibration: dir, int16: 'off', allowDegraded: true, weightRounding: 'nearest' });
  const sg = result.model.subgraphs[0];
  const conv = sg.operators.find((o) => o.opcode === 'CONV_2D')!;
  let worst = 1;
  for (let k = 0; k < 4; k++) {
    const x = picture(r);
    worst = Math.min(worst, cosine(await runFirstOutput(result.model, [x]), floats((await runOnnx(bytes, [x])).get('y')!)));
  }
  return { worst, convOut: sg.tensors[conv.outputs[0]].type };
}

test('an InstanceNorm after a conv with narrow channels stays float32 from the conv to the division', async () => {
  const { worst, convOut } = await worstCosine(normed('instance'));
  assert.equal(convOut, 'FLOAT32', 'the conv feeding the norm writes float32');
  // int8 conv output and norm (one scale for channels 1000x apart) gave cosine 0.694 here (the GroupNorm 0.874).
  assert.ok(worst > 0.995, `output cosine ${worst}`);
});

test('a GroupNorm (a grouped view, InstanceNormalization, the view back) is taken as well', async () => {
  const { worst, convOut } = await worstCosine(normed('group'));
  assert.equal(convOut, 'FLOAT32');
  assert.ok(worst > 0.99, `output cosine ${worst}`);
});

test('a LayerNorm over each pixel\'s channels (statistics per position) is not taken', () => {
  const { model } = convertModel(decodeModel(normed('layer')));
  assert.equal(channelNormOps(model.subgraphs[0]).size, 0);
  const { model: inst } = convertModel(decodeModel(normed('instance')));
  const sg = inst.subgraphs[0];
  const ops = [...channelNormOps(sg)].map((k) => sg.operators[k].opcode);
  for (const op of ['CONV_2D', 'SUB', 'RSQRT']) assert.ok(ops.includes(op), `${op} in ${ops.join(' ')}`);
  assert.ok(!ops.includes('RELU'), 'the normalized values go back to int8');
});

test('a network normalized after most of its convs (a style-transfer net) keeps its int8 norms', () => {
  const r = rng(2);
  const nodes = [], inits = [];
  let x = 'x';
  for (let i = 0; i < 3; i++) {
    nodes.push(node('Conv', [x, `w${i}`], [`h${i}`], { kernel_shape: [1, 1] }), node('InstanceNormalization', [`h${i}`, 'g', 'b'], [`n${i}`]),
      node('Relu', [`n${i}`], [`a${i}`]));
    inits.push(tensor(`w${i}`, 'float32', [C, i ? C : 3, 1, 1], Array.from({ length: C * (i ? C : 3) }, () => r() - 0.5)));
    x = `a${i}`;
  }
  nodes.push(node('Conv', [x, 'wo'], ['y'], { kernel_shape: [1, 1] }));
  const bytes = encodeModel(buildModel({ inputs: [['x', 'float32', [1, 3, 8, 8]]], outputs: ['y'], opset: 17, nodes,
    initializers: [...inits, tensor('wo', 'float32', [3, C, 1, 1], Array.from({ length: 3 * C }, () => r() - 0.5)),
      tensor('g', 'float32', [C], Array(C).fill(1)), tensor('b', 'float32', [C], Array(C).fill(0))] }));
  assert.equal(channelNormOps(convertModel(decodeModel(bytes)).model.subgraphs[0]).size, 0, '3 norms after 4 convs: not taken');
});

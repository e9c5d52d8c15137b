// Full int8 writes every int8 PRELU in its float form (DEQUANTIZE → PRELU → QUANTIZE, int8-float-binary.ts: XNNPack
// takes PRELU in float32 only), whose conversions the lone-island rule leaves alone, so an InstanceNormalization's
// last ADD before a PRelu stays int8 and the PRelu is int8 as `onnx2lite micro` writes it back. The compatibility
// marks (islandsBetweenFloat) grouped the ADD, the PRelu and a Concat of two PRelus into an island between the
// channel norms kept float32 and marked them float32: MP-SENet's dense encoder, 6 audit disagreements
// (docs/model-sweep.md, s29-seq27).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { analyzeCompatibility } from '../../src/convert/compat';
import { auditModel } from '../../scripts/compat-audit';

const C = 4; const H = 6; const W = 8;
const wave = (n: number, f: number, a = 0.5) => Array.from({ length: n }, (_, i) => Math.sin(i * f + 0.3) * a);

/** A dense block as MP-SENet's encoder writes it: conv → InstanceNormalization → PRelu, twice, the second conv reading
 *  the concatenation of the first PRelu and the block input, the two PRelus concatenated into the last conv, normed
 *  too (int8 keeps each conv making a channel norm's input float32), then 4 plain convs (the norms follow at most half
 *  of the weighted layers, else the channel-norm rule stands down). */
function denseBlock() {
  const norm = (i: number, x: string, y: string) => [
    node('InstanceNormalization', [x, `g${i}`, `b${i}`], [`n${i}`], { epsilon: 1e-5 }, `in${i}`),
    node('PRelu', [`n${i}`, `a${i}`], [y], {}, `prelu${i}`),
  ];
  return buildModel({
    inputs: [['x', 'float32', [1, C, H, W]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Conv', ['x', 'w0', 'c0'], ['h0'], { kernel_shape: [1, 1] }, 'conv0'),
      ...norm(0, 'h0', 'p0'),
      node('Concat', ['p0', 'x'], ['cat0'], { axis: 1 }, 'cat0'),
      node('Conv', ['cat0', 'w1', 'c1'], ['h1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, 'conv1'),
      ...norm(1, 'h1', 'p1'),
      node('Concat', ['p1', 'p0'], ['cat1'], { axis: 1 }, 'cat1'),
      node('Conv', ['cat1', 'w2', 'c2'], ['h2'], { kernel_shape: [1, 1] }, 'conv2'),
      ...norm(2, 'h2', 'p2'),
      ...[3, 4, 5, 6].flatMap((i) => [
        node('Conv', [i === 3 ? 'p2' : `r${i - 1}`, `w${i}`, `c${i}`], [i === 6 ? 'y' : `t${i}`], { kernel_shape: [1, 1] }, `conv${i}`),
        ...(i === 6 ? [] : [node('Relu', [`t${i}`], [`r${i}`], {}, `relu${i}`)]),
      ]),
    ],
    initializers: [
      tensor('w0', 'float32', [C, C, 1, 1], wave(C * C, 0.7)), tensor('c0', 'float32', [C], wave(C, 1.1, 0.1)),
      tensor('w1', 'float32', [C, 2 * C, 3, 3], wave(C * 2 * C * 9, 0.37, 0.2)), tensor('c1', 'float32', [C], wave(C, 0.9, 0.1)),
      tensor('w2', 'float32', [C, 2 * C, 1, 1], wave(2 * C * C, 0.53)), tensor('c2', 'float32', [C], wave(C, 1.3, 0.1)),
      ...[3, 4, 5, 6].flatMap((i) => [tensor(`w${i}`, 'float32', [C, C, 1, 1], wave(C * C, 0.3 + 0.2 * i)), tensor(`c${i}`, 'float32', [C], wave(C, i, 0.1))]),
      ...[0, 1, 2].flatMap((i) => [tensor(`g${i}`, 'float32', [C], wave(C, 0.8 + i, 0.3).map((v) => 1 + v)),
        tensor(`b${i}`, 'float32', [C], wave(C, 0.6 + i, 0.2)), tensor(`a${i}`, 'float32', [C, 1, 1], wave(C, 1.7 + i, 0.2).map((v) => 0.25 + v))]),
    ],
  });
}

test('a PRelu after a channel norm kept float32 is marked int8, as the int8 pass writes it (its float form)', () => {
  const r = analyzeCompatibility(denseBlock());
  const mark = (name: string) => r.nodes.find((n) => n.node === name)!;
  for (const name of ['prelu0', 'prelu1', 'cat1']) assert.equal(mark(name).int8, true, `${name}: ${mark(name).reason ?? ''}`);
});

test('the audit of the dense block counts no disagreement', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compat-prelu-'));
  try {
    const file = path.join(dir, 'dense.onnx');
    fs.writeFileSync(file, encodeModel(denseBlock()));
    const rec = await auditModel(file, { inputShapes: new Map(), inputValues: new Map(), int8: true, int8MaxBytes: 2 ** 20 }, dir);
    assert.equal(rec.int8, 'ok');
    assert.deepEqual(rec.disagreements, []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// A YOLO head (YOLOv5 / v8 / v10 exports, @idscan/idvc2's yoloFaceFingers) concatenates boxes in pixels (0-320) and
// sigmoid class scores (0-1) into one tensor before its transpose / top-k. One int8 scale for that tensor (~1.25)
// rounds every score to 0 or 1.25 (yoloFaceFingers: 0 / 40 documents found). A CONCATENATION whose inputs' calibrated
// ranges differ so much that the narrowest would get fewer than 16 int8 levels keeps the join and what follows it up
// to the outputs float32, each input keeping its own scale (int8-mixed-joins.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { encodeNpy } from '../../src/core/npy';
import { quantizeModelBytes } from '../../src/quantize/file';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { floats, rng } from './helpers';
import { convertModel } from '../../src/convert/convert';
import { decodeModel } from '../../src/onnx/reader';
import { activationParams } from '../../src/quantize/int8';
import { isFloatActivation } from '../../src/quantize/graph';
import type { Range } from '../../src/quantize/params';

const CELLS = 64;

/** x [1, 3, 32, 32] → two stride-2 conv + relu → [1, 8, 8, 8]; boxes: conv 8→4, sigmoid, ×320 (pixels); scores:
 *  conv 8→3, sigmoid (YOLOv8 / v10), or that times a sigmoid objectness from a conv 8→1 (`objectness`: YOLOv5 / YOLOX); both reshaped to [1, C, 64], concatenated on C and transposed to [1, 64, 7] rows, which the
 *  post-processing slices into boxes [1, 64, 4] and scores [1, 64, 3] again (YOLOv10's split before its top-k). */
function yoloHead(objectness: boolean): Uint8Array {
  const r = rng(13);
  const w = (name: string, dims: number[], s: number) => tensor(name, 'float32', dims, Array.from({ length: dims.reduce((a, b) => a * b) }, () => (r() - 0.5) * s));
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 3, 32, 32]]], outputs: ['boxout', 'scoreout'], opset: 13,
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['c1'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }), node('Relu', ['c1'], ['r1']),
      node('Conv', ['r1', 'w2', 'b2'], ['c2'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }), node('Relu', ['c2'], ['r2']),
      node('Conv', ['r2', 'wb', 'bb'], ['cb'], { kernel_shape: [1, 1] }), node('Sigmoid', ['cb'], ['sb']), node('Mul', ['sb', 'px'], ['boxes']),
      node('Reshape', ['boxes', 'shb'], ['boxrows']),
      node('Conv', ['r2', 'ws', 'bs'], ['cs'], { kernel_shape: [1, 1] }), node('Sigmoid', ['cs'], [objectness ? 'cls' : 'scores']),
      ...(objectness ? [node('Conv', ['r2', 'wo', 'bo'], ['co'], { kernel_shape: [1, 1] }), node('Sigmoid', ['co'], ['obj']), node('Mul', ['cls', 'obj'], ['scores'])] : []),
      node('Reshape', ['scores', 'shs'], ['scorerows']),
      node('Concat', ['boxrows', 'scorerows'], ['joined'], { axis: 1 }), node('Transpose', ['joined'], ['rows'], { perm: [0, 2, 1] }),
      node('Slice', ['rows', 'from0', 'to4', 'ax'], ['boxout']), node('Slice', ['rows', 'from4', 'to7', 'ax'], ['scoreout']),
    ],
    initializers: [
      w('w1', [8, 3, 3, 3], 1.2), w('b1', [8], 0.2), w('w2', [8, 8, 3, 3], 0.8), w('b2', [8], 0.2),
      w('wb', [4, 8, 1, 1], 2), w('bb', [4], 0.5), tensor('px', 'float32', [1], [320]), tensor('shb', 'int64', [3], [1, 4, CELLS]),
      w('ws', [3, 8, 1, 1], 3), w('bs', [3], 0.5), w('wo', [1, 8, 1, 1], 3), w('bo', [1], 0.5), tensor('shs', 'int64', [3], [1, 3, CELLS]),
      tensor('from0', 'int64', [1], [0]), tensor('to4', 'int64', [1], [4]), tensor('from4', 'int64', [1], [4]), tensor('to7', 'int64', [1], [7]), tensor('ax', 'int64', [1], [2]),
    ],
  }));
}

for (const objectness of [false, true]) test(`int8 keeps a concatenation of pixel boxes and 0-1 scores (and what follows it) float32${objectness ? ' (objectness × class scores)' : ''}`, async () => {
  const bytes = yoloHead(objectness);
  if (process.env.MIXCAT_DUMP) fs.writeFileSync(process.env.MIXCAT_DUMP, bytes);
  const r = rng(21);
  const x = () => tensor('x', 'float32', [1, 3, 32, 32], Array.from({ length: 3 * 32 * 32 }, () => r() * 2 - 1));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'o2l-mixcat-'));
  for (let k = 0; k < 12; k++) {
    const sub = path.join(dir, `s${k}`);
    fs.mkdirSync(sub);
    fs.writeFileSync(path.join(sub, 'input_0.npy'), encodeNpy(x()));
  }
  const { result } = await quantizeModelBytes(bytes, 'yolo.onnx', {}, { mode: 'int8', calibration: dir, int16: 'off', allowDegraded: true });
  const ops = result.model.subgraphs[0].operators;
  assert.ok(ops.some((o) => o.opcode === 'CONV_2D' && result.model.subgraphs[0].tensors[o.inputs[1]].type === 'INT8'), 'the backbone is int8');
  let scoreErr = 0;
  let boxErr = 0;
  for (let k = 0; k < 6; k++) {
    const feeds = [x()];
    const want = await runOnnx(bytes, feeds);
    const s = await openConverted(serializeTflite(result.model));
    const out = await s.run(feeds).finally(() => s.close());
    const got = [floats(out.get('boxout')!), floats(out.get('scoreout')!)];
    const [wb, ws] = [floats(want.get('boxout')!), floats(want.get('scoreout')!)];
    assert.equal(got[0].length, CELLS * 4);
    assert.equal(got[1].length, CELLS * 3);
    for (let i = 0; i < wb.length; i++) boxErr = Math.max(boxErr, Math.abs(got[0][i] - wb[i]));
    for (let i = 0; i < ws.length; i++) scoreErr = Math.max(scoreErr, Math.abs(got[1][i] - ws[i]));
  }
  // One scale for the joined tensor: the sigmoid's fixed 0-1 clips every box to 1 px (error ~310 px); objectness ×
  // class has no fixed scale, so the boxes' 320 / 255 puts every score at 0 or 1.25 (error ~0.6). Each part's own
  // scale leaves the int8 rounding of the convolutions: a few hundredths of a score, a few pixels of a box.
  assert.ok(scoreErr < 0.08 && boxErr < 16, `worst score error ${scoreErr}, worst box error ${boxErr} px`);
  assert.ok(result.warnings.some((w) => /concatenat/i.test(w) && /float32/.test(w)), result.warnings.join('\n'));
});

test('a join whose tensor reaches a conv (a feature map, not a head) is int8 with the joint range; a fixed-scale input keeps its own', () => {
  const r = rng(3);
  const w = (name: string, dims: number[]) => tensor(name, 'float32', dims, Array.from({ length: dims.reduce((a, b) => a * b) }, () => r() - 0.5));
  const build = (neck: boolean) => convertModel(decodeModel(encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 8, 4, 4]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Conv', ['x', 'wa', 'ba'], ['ca'], { kernel_shape: [1, 1] }), node('Mul', ['ca', 'px'], ['wide']),
      node('Conv', ['x', 'wn', 'bn'], ['cn'], { kernel_shape: [1, 1] }), node('Sigmoid', ['cn'], ['narrow']),
      node('Concat', ['wide', 'narrow'], ['joined'], { axis: 1 }),
      neck ? node('Conv', ['joined', 'wj', 'bj'], ['y'], { kernel_shape: [1, 1] }) : node('Slice', ['joined', 'from4', 'to7', 'ax'], ['y']),
    ],
    initializers: [w('wa', [4, 8, 1, 1]), w('ba', [4]), tensor('px', 'float32', [1], [320]), w('wn', [3, 8, 1, 1]), w('bn', [3]), w('wj', [2, 7, 1, 1]), w('bj', [2]),
      tensor('from4', 'int64', [1], [4]), tensor('to7', 'int64', [1], [7]), tensor('ax', 'int64', [1], [1])],
  }))));
  for (const neck of [true, false]) {
    const result = build(neck);
    const sg = result.model.subgraphs[0];
    const ranges = new Map<number, Range>();
    sg.tensors.forEach((t, i) => { if (isFloatActivation(t)) ranges.set(i, t.name.startsWith('wide') || t.name === 'ca' ? { min: 0, max: 320 } : { min: 0, max: 1 }); });
    const params = activationParams(result, ranges);
    const at = (name: string) => params.get(sg.tensors.findIndex((t) => t.name === name))!;
    // The sigmoid's fixed 1/256 keeps to its own tensor (int8-requantized-joins.ts: the int8 pass requantizes it into
    // the join's): as the whole join's scale it clipped the 0-320 input to 1.
    assert.ok(at('narrow').scale < 0.01 && at('wide').scale > 1, `neck ${neck}: wide ${at('wide').scale}, narrow ${at('narrow').scale}`);
    assert.equal(at('joined').scale === at('wide').scale, neck, `neck ${neck}: the join's scale is its wide input's (${at('joined').scale})`);
    // A fixed output keeps its own fixed parameters (int8-requantized-joins.ts).
    if (neck) assert.equal(at('narrow').scale, 1 / 256);
  }
});

// Small models written the way exporters other than torch.onnx write them (tf2onnx / keras2onnx, the ONNX Model Zoo's
// old Caffe2 / CNTK / onnxmltools exports at opsets 7-9, skl2onnx, onnxruntime's optimizer), seeded weights. Used by
// test/convert/exporter-patterns.test.ts and written out by `scripts/export/exporter-patterns.ts DIR` for
// scripts/check-models.ts.
import { seededUniform } from '../../src/core/random';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import type { Model, Node, Tensor } from '../../src/ir/types';

const size = (d: number[]) => d.reduce((a, b) => a * b, 1);

/** Seeded weights uniform in [-scale, scale). */
function weights(name: string, dims: number[], seed: number, scale = 0.5): Tensor {
  const rnd = seededUniform(seed);
  return tensor(name, 'float32', dims, Array.from({ length: size(dims) }, () => (rnd() * 2 - 1) * scale));
}
const i64 = (name: string, v: number[]) => tensor(name, 'int64', [v.length], v);
const f32 = (name: string, v: number[], dims = [v.length]) => tensor(name, 'float32', dims, v);

/** A node in another domain (com.microsoft, ai.onnx.ml). */
function dnode(domain: string, opType: string, inputs: string[], outputs: string[], attrs: Parameters<typeof node>[3] = {}): Node {
  return { ...node(opType, inputs, outputs, attrs), domain };
}

export interface PatternModel {
  name: string;
  model: Model;
  /** What the graph holds, in the exporter's words. */
  note: string;
  /** TRANSPOSE ops the math needs (attention's head split and merge); 0 when absent. */
  transposes?: number;
}

/**
 * tf2onnx's NHWC CNN: Transpose to NCHW at the input, Keras "same" padding of a stride-2 conv as an explicit Pad,
 * BatchNorm already fused into the convs, ReLU6 as Clip, depthwise conv, global pooling as ReduceMean over H, W with
 * the classifier as MatMul + Add; a segmentation head resized (half_pixel, sizes from Shape/Slice/Concat) and moved
 * back to NHWC by a Transpose at the output.
 */
function tf2onnxCnn(): PatternModel {
  const nodes = [
    node('Transpose', ['input_1'], ['t0'], { perm: [0, 3, 1, 2] }),
    node('Pad', ['t0', 'pads', 'pad_value'], ['p0'], { mode: 'constant' }),
    node('Conv', ['p0', 'w1', 'b1'], ['c1'], { strides: [2, 2], kernel_shape: [3, 3], dilations: [1, 1], group: 1 }),
    node('Clip', ['c1', 'zero', 'six'], ['r1']),
    node('Conv', ['r1', 'wd', 'bd'], ['d1'], { group: 8, kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
    node('Relu', ['d1'], ['r2']),
    node('Conv', ['r2', 'w2', 'b2'], ['c2'], { kernel_shape: [1, 1] }),
    node('ReduceMean', ['c2'], ['m'], { axes: [2, 3], keepdims: 0 }),
    node('MatMul', ['m', 'wfc'], ['f']),
    node('Add', ['f', 'bfc'], ['logits']),
    node('Softmax', ['logits'], ['probs'], { axis: -1 }),
    node('Shape', ['c2'], ['sh']),
    node('Slice', ['sh', 'st0', 'st2', 'ax0'], ['nc']),
    node('Concat', ['nc', 'hw'], ['sizes'], { axis: 0 }),
    node('Resize', ['c2', 'roi', 'scales', 'sizes'], ['up'], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' }),
    node('Transpose', ['up'], ['seg'], { perm: [0, 2, 3, 1] }),
  ];
  const model = buildModel({
    opset: 13, producer: 'tf2onnx', inputs: [['input_1', 'float32', [1, 32, 32, 3]]], outputs: ['probs', 'seg'], nodes,
    initializers: [
      i64('pads', [0, 0, 0, 0, 0, 0, 1, 1]), f32('pad_value', [0], []),
      weights('w1', [8, 3, 3, 3], 1), weights('b1', [8], 2, 0.1), f32('zero', [0], []), f32('six', [6], []),
      weights('wd', [8, 1, 3, 3], 3), weights('bd', [8], 4, 0.1), weights('w2', [16, 8, 1, 1], 5), weights('b2', [16], 6, 0.1),
      weights('wfc', [16, 10], 7), weights('bfc', [10], 8, 0.1),
      i64('st0', [0]), i64('st2', [2]), i64('ax0', [0]), i64('hw', [32, 32]), f32('roi', [], [0]), f32('scales', [], [0]),
    ],
  });
  return { name: 'tf2onnx_cnn', model, note: 'NHWC input Transpose, explicit Pad, Clip ReLU6, ReduceMean head, Resize half_pixel (computed sizes), NHWC output Transpose' };
}

/**
 * What tf2onnx's transpose optimizer leaves in a detector or super-resolution net: Transposes to NHWC and back around
 * ops with NHWC constants (a BatchNorm as Mul / Add by [C] vectors, PRelu with a [1, 1, C] slope), reflect Pad,
 * Conv2DTranspose as ConvTranspose, nearest Resize by constant scales, DepthToSpace (DCR, tf.nn.depth_to_space),
 * and SSD-style box heads: NHWC Transpose + Reshape to [1, -1, 4] concatenated over two levels, Softmax over the
 * last axis of a 3-D tensor (opset 11).
 */
function tf2onnxHeads(): PatternModel {
  const nodes = [
    node('Transpose', ['images'], ['t0'], { perm: [0, 3, 1, 2] }),
    node('Pad', ['t0', 'reflect_pads'], ['p0'], { mode: 'reflect' }),
    node('Conv', ['p0', 'w1', 'b1'], ['c1'], { kernel_shape: [3, 3] }),
    node('Transpose', ['c1'], ['c1_nhwc'], { perm: [0, 2, 3, 1] }),
    node('Mul', ['c1_nhwc', 'bn_scale'], ['bn_m']),
    node('Add', ['bn_m', 'bn_shift'], ['bn_a']),
    node('PRelu', ['bn_a', 'slope'], ['pr']),
    node('Transpose', ['pr'], ['f1'], { perm: [0, 3, 1, 2] }),
    node('Conv', ['f1', 'w2', 'b2'], ['f2'], { kernel_shape: [3, 3], strides: [2, 2], pads: [0, 0, 1, 1] }),
    node('Relu', ['f2'], ['f2r']),
    node('Conv', ['f1', 'wb1'], ['box1'], { kernel_shape: [1, 1] }),
    node('Transpose', ['box1'], ['box1_nhwc'], { perm: [0, 2, 3, 1] }),
    node('Reshape', ['box1_nhwc', 'to_boxes'], ['boxes1']),
    node('Conv', ['f2r', 'wb2'], ['box2'], { kernel_shape: [1, 1] }),
    node('Transpose', ['box2'], ['box2_nhwc'], { perm: [0, 2, 3, 1] }),
    node('Reshape', ['box2_nhwc', 'to_boxes'], ['boxes2']),
    node('Concat', ['boxes1', 'boxes2'], ['boxes'], { axis: 1 }),
    node('Softmax', ['boxes'], ['box_scores'], { axis: 2 }),
    node('ConvTranspose', ['f2r', 'wt'], ['up1'], { kernel_shape: [2, 2], strides: [2, 2] }),
    node('Resize', ['f2r', 'roi', 'up_scales'], ['up2'], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }),
    node('Concat', ['up1', 'up2'], ['up'], { axis: 1 }),
    node('Conv', ['up', 'w3'], ['c3'], { kernel_shape: [1, 1] }),
    node('DepthToSpace', ['c3'], ['d2s'], { blocksize: 2, mode: 'DCR' }),
    node('Transpose', ['d2s'], ['sr'], { perm: [0, 2, 3, 1] }),
  ];
  const model = buildModel({
    opset: 11, producer: 'tf2onnx', inputs: [['images', 'float32', [1, 16, 16, 3]]], outputs: ['box_scores', 'sr'], nodes,
    initializers: [
      i64('reflect_pads', [0, 0, 1, 1, 0, 0, 1, 1]), weights('w1', [8, 3, 3, 3], 61), weights('b1', [8], 62, 0.1),
      f32('bn_scale', [1, 0.9, 1.1, 1.2, 0.8, 1, 1.05, 0.95]), weights('bn_shift', [8], 63, 0.1), weights('slope', [1, 1, 8], 64, 0.3),
      weights('w2', [8, 8, 3, 3], 65, 0.2), weights('b2', [8], 66, 0.1), weights('wb1', [4, 8, 1, 1], 67), weights('wb2', [4, 8, 1, 1], 68),
      i64('to_boxes', [1, -1, 4]), weights('wt', [8, 4, 2, 2], 69), f32('roi', [], [0]), f32('up_scales', [1, 1, 2, 2]),
      weights('w3', [12, 12, 1, 1], 70),
    ],
  });
  return { name: 'tf2onnx_heads', model, note: 'NHWC Mul/Add/PRelu between Transposes, reflect Pad, SSD box heads (Transpose + Reshape [1, -1, 4], Concat, Softmax), ConvTranspose, nearest Resize, DepthToSpace DCR' };
}

/**
 * keras2onnx / tf2onnx at opset 9-11 with Keras Flatten: the conv output is moved back to NHWC before the Reshape
 * (Flatten keeps TF's element order), Conv with auto_pad SAME_UPPER, ReLU6 as Clip with attributes (opset < 11),
 * an unfused BatchNormalization after an Add, nearest upsampling (asymmetric, floor).
 */
function kerasFlatten(): PatternModel {
  const nodes = [
    node('Transpose', ['input_1'], ['t0'], { perm: [0, 3, 1, 2] }),
    node('Conv', ['t0', 'w1', 'b1'], ['c1'], { auto_pad: 'SAME_UPPER', strides: [2, 2], kernel_shape: [3, 3] }),
    node('Clip', ['c1'], ['r1'], { min: { type: 'float', value: 0 }, max: { type: 'float', value: 6 } }),
    node('Conv', ['r1', 'w2', 'b2'], ['c2'], { auto_pad: 'SAME_UPPER', kernel_shape: [3, 3] }),
    node('Add', ['c2', 'r1'], ['s']),
    node('BatchNormalization', ['s', 'g', 'be', 'mu', 'var'], ['bn'], { epsilon: 1e-3 }),
    node('Upsample', ['bn', 'ups'], ['u'], { mode: 'nearest' }),
    node('Transpose', ['u'], ['nhwc'], { perm: [0, 2, 3, 1] }),
    node('Reshape', ['nhwc', 'flat'], ['fl']),
    node('MatMul', ['fl', 'wfc'], ['f']),
    node('Add', ['f', 'bfc'], ['dense']),
  ];
  const model = buildModel({
    opset: 9, producer: 'keras2onnx', inputs: [['input_1', 'float32', [1, 16, 16, 4]]], outputs: ['dense'], nodes,
    initializers: [
      weights('w1', [8, 4, 3, 3], 11), weights('b1', [8], 12, 0.1), weights('w2', [8, 8, 3, 3], 13, 0.3), weights('b2', [8], 14, 0.1),
      f32('g', [1, 0.9, 1.1, 1.2, 0.8, 1, 1.05, 0.95]), weights('be', [8], 15, 0.1), weights('mu', [8], 16, 0.2),
      f32('var', [1, 1.5, 0.7, 1.2, 0.9, 2, 1.1, 0.6]), f32('ups', [1, 1, 2, 2]), i64('flat', [1, -1]),
      weights('wfc', [8 * 16 * 16, 5], 17, 0.05), weights('bfc', [5], 18, 0.1),
    ],
  });
  return { name: 'keras_flatten_op9', model, note: 'Conv auto_pad SAME_UPPER, Clip attributes, unfused BatchNorm, Upsample opset 9, NHWC Transpose + Reshape flatten' };
}

/**
 * tf2onnx with one input channel (openWakeWord's embedding model): the NHWC → NCHW move is a Reshape (only a unit dim
 * moves), and the output's NCHW → NHWC move too.
 */
function tf2onnxUnitChannel(): PatternModel {
  const nodes = [
    node('Reshape', ['input_1', 'to_nchw'], ['x']),
    node('Conv', ['x', 'w1', 'b1'], ['c1'], { kernel_shape: [3, 3] }),
    node('LeakyRelu', ['c1'], ['l1'], { alpha: 0.2 }),
    node('Max', ['l1', 'floor'], ['m1']),
    node('MaxPool', ['m1'], ['p1'], { kernel_shape: [2, 2], strides: [2, 2] }),
    node('Conv', ['p1', 'w2'], ['c2'], { kernel_shape: [9, 7] }),
    node('Reshape', ['c2', 'to_nhwc'], ['out']),
  ];
  const model = buildModel({
    opset: 13, producer: 'tf2onnx', inputs: [['input_1', 'float32', [1, 20, 16, 1]]], outputs: ['out'], nodes,
    initializers: [
      i64('to_nchw', [1, 1, 20, 16]), weights('w1', [8, 1, 3, 3], 21), weights('b1', [8], 22, 0.1), f32('floor', [-0.1], []),
      weights('w2', [12, 8, 9, 7], 23, 0.2), i64('to_nhwc', [1, 1, 1, 12]),
    ],
  });
  return { name: 'tf2onnx_unit_channel', model, note: 'NHWC [1, 20, 16, 1] input moved to NCHW by a Reshape (openWakeWord embedding)' };
}

/**
 * The ONNX Model Zoo's old CNNs (Caffe2 / CNTK exports, opset 7-8): BatchNormalization with `spatial`, LRN, MaxPool
 * with pads, Pad with the opset-2 `pads` attribute, Upsample with a `scales` attribute (opset 7), Sum of three,
 * Dropout, Flatten, Gemm with transB, alpha and beta, Softmax over axis 1 of a 2-D tensor.
 */
function zooOpset7(): PatternModel {
  const nodes = [
    node('Conv', ['data_0', 'w1', 'b1'], ['c1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
    node('BatchNormalization', ['c1', 'g', 'be', 'mu', 'var'], ['bn'], { epsilon: 1e-5, momentum: 0.9, spatial: 1 }),
    node('Relu', ['bn'], ['r1']),
    node('LRN', ['r1'], ['lrn'], { size: 5, alpha: 1e-4, beta: 0.75, bias: { type: 'float', value: 1 } }),
    node('MaxPool', ['lrn'], ['p1'], { kernel_shape: [3, 3], strides: [2, 2], pads: [0, 0, 1, 1] }),
    node('Pad', ['p1'], ['pd'], { pads: [0, 0, 1, 1, 0, 0, 1, 1], mode: 'constant', value: { type: 'float', value: 0 } }),
    node('Conv', ['pd', 'w2', 'b2'], ['c2'], { kernel_shape: [3, 3] }),
    node('Upsample', ['c2'], ['u'], { mode: 'nearest', scales: { type: 'floats', value: [1, 1, 2, 2] } }),
    node('Conv', ['lrn', 'w3'], ['c3'], { kernel_shape: [1, 1] }),
    node('MaxPool', ['c2'], ['p2'], { kernel_shape: [1, 1] }),
    node('Upsample', ['p2'], ['u2'], { mode: 'nearest', scales: { type: 'floats', value: [1, 1, 2, 2] } }),
    node('Sum', ['u', 'c3', 'u2'], ['s']),
    node('Dropout', ['s'], ['dr'], { ratio: 0.5 }),
    node('Flatten', ['dr'], ['fl'], { axis: 1 }),
    node('Gemm', ['fl', 'wfc', 'bfc'], ['g1'], { transB: 1, alpha: 0.5, beta: { type: 'float', value: 2 } }),
    node('Softmax', ['g1'], ['prob'], { axis: 1 }),
  ];
  const model = buildModel({
    opset: 7, producer: 'Caffe2/CNTK (Model Zoo)', inputs: [['data_0', 'float32', [1, 3, 16, 16]]], outputs: ['prob'], nodes,
    initializers: [
      weights('w1', [8, 3, 3, 3], 31), weights('b1', [8], 32, 0.1),
      f32('g', [1, 0.9, 1.1, 1.2, 0.8, 1, 1.05, 0.95]), weights('be', [8], 33, 0.1), weights('mu', [8], 34, 0.2),
      f32('var', [1, 1.5, 0.7, 1.2, 0.9, 2, 1.1, 0.6]),
      weights('w2', [8, 8, 3, 3], 35, 0.2), weights('b2', [8], 36, 0.1), weights('w3', [8, 8, 1, 1], 37),
      weights('wfc', [10, 8 * 16 * 16], 38, 0.05), weights('bfc', [10], 39, 0.1),
    ],
  });
  return { name: 'zoo_opset7', model, note: 'BatchNorm spatial, LRN, padded MaxPool, Pad attrs, Upsample scales attr, Sum, Dropout, Flatten, Gemm transB/alpha/beta' };
}

/**
 * MXNet's exports in the Model Zoo (ArcFace, opset 7-8): BatchNormalization with `spatial = 0` and per-activation
 * [C, H, W] statistics, once right after a Conv (not foldable into it per channel) and once after a PRelu.
 */
function zooBnPerActivation(): PatternModel {
  const chw = [4, 6, 6];
  const n = size(chw);
  const stats = (seed: number, lo: number) => { const r = seededUniform(seed); return tensor(`s${seed}`, 'float32', chw, Array.from({ length: n }, () => lo + r())); };
  const [g1, b1, m1, v1, g2, b2, m2, v2] = [81, 82, 83, 84, 85, 86, 87, 88].map((k, i) => stats(k, i % 4 === 1 || i % 4 === 2 ? -0.5 : 0.5));
  const nodes = [
    node('Conv', ['data', 'w1'], ['c1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
    node('BatchNormalization', ['c1', g1.name, b1.name, m1.name, v1.name], ['bn1'], { spatial: 0, epsilon: { type: 'float', value: 2e-5 } }),
    node('PRelu', ['bn1', 'slope'], ['pr']),
    node('BatchNormalization', ['pr', g2.name, b2.name, m2.name, v2.name], ['fc1'], { spatial: 0, epsilon: { type: 'float', value: 2e-5 } }),
  ];
  const model = buildModel({
    opset: 7, producer: 'MXNet (Model Zoo)', inputs: [['data', 'float32', [1, 3, 6, 6]]], outputs: ['fc1'], nodes,
    initializers: [weights('w1', [4, 3, 3, 3], 80), g1, b1, m1, v1, g2, b2, m2, v2, weights('slope', [4, 1, 1], 89, 0.3)],
  });
  return { name: 'zoo_bn_per_activation_op7', model, note: 'BatchNormalization spatial=0 with [C, H, W] statistics after a Conv and after a PRelu' };
}

/** onnxmltools' CoreML exports in the Model Zoo (Tiny YOLOv2, opset 8): ImageScaler first, LeakyRelu, BatchNorm. */
function zooImageScaler(): PatternModel {
  const nodes = [
    node('ImageScaler', ['image'], ['sc'], { scale: 1 / 255, bias: [-0.5, -0.25, 0.1] }),
    node('Conv', ['sc', 'w1'], ['c1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
    node('BatchNormalization', ['c1', 'g', 'be', 'mu', 'var'], ['bn'], { epsilon: 1e-5 }),
    node('LeakyRelu', ['bn'], ['l1'], { alpha: 0.1 }),
    node('MaxPool', ['l1'], ['grid'], { kernel_shape: [2, 2], strides: [2, 2] }),
  ];
  const model = buildModel({
    opset: 8, producer: 'onnxmltools (CoreML)', inputs: [['image', 'float32', [1, 3, 16, 16]]], outputs: ['grid'], nodes,
    initializers: [
      weights('w1', [4, 3, 3, 3], 41, 0.5), f32('g', [1, 0.9, 1.1, 1.2]), weights('be', [4], 42, 0.1), weights('mu', [4], 43, 0.1),
      f32('var', [1, 1.5, 0.7, 1.2]),
    ],
  });
  return { name: 'zoo_imagescaler_op8', model, note: 'ImageScaler (experimental op, opsets 1-9), BatchNorm, LeakyRelu' };
}

/**
 * keras2onnx / tf2onnx sequence models: Keras Conv1D as Unsqueeze + NHWC Transposes around a 1×k Conv + Squeeze, a
 * Dense on its [N, L, C] output; an LSTM with Keras' pre-TF-2 recurrent activation hard_sigmoid (HardSigmoid, alpha
 * 0.2, beta 0.5) and a GRU with reset_after (linear_before_reset = 1) over the batch-major input moved time-major.
 */
function kerasSequence(): PatternModel {
  const [T, I, H] = [7, 5, 6];
  const nodes = [
    node('Unsqueeze', ['x'], ['u'], { axes: [1] }),
    node('Transpose', ['u'], ['t'], { perm: [0, 3, 1, 2] }),
    node('Conv', ['t', 'w', 'b'], ['c'], { kernel_shape: [1, 3], pads: [0, 1, 0, 1] }),
    node('Relu', ['c'], ['r']),
    node('Transpose', ['r'], ['tb'], { perm: [0, 2, 3, 1] }),
    node('Squeeze', ['tb'], ['feat'], { axes: [1] }),
    node('MatMul', ['feat', 'wd'], ['d']),
    node('Add', ['d', 'bd'], ['seq']),
    node('Transpose', ['seq'], ['tx'], { perm: [1, 0, 2] }),
    node('LSTM', ['tx', 'W', 'R', 'B'], ['Y', 'Yh'], { hidden_size: H, activations: ['HardSigmoid', 'Tanh', 'Tanh'],
      activation_alpha: { type: 'floats', value: [0.2] }, activation_beta: { type: 'floats', value: [0.5] } }),
    node('Squeeze', ['Y'], ['ys'], { axes: [1] }),
    node('Transpose', ['ys'], ['lstm_out'], { perm: [1, 0, 2] }),
    node('GRU', ['tx', 'Wg', 'Rg', 'Bg'], ['Yg', 'gru_h'], { hidden_size: H, linear_before_reset: 1 }),
  ];
  const model = buildModel({
    opset: 11, producer: 'keras2onnx', inputs: [['x', 'float32', [1, T, 6]]], outputs: ['lstm_out', 'gru_h'], nodes,
    initializers: [weights('w', [8, 6, 1, 3], 101), weights('b', [8], 102, 0.1), weights('wd', [8, I], 103), weights('bd', [I], 104, 0.1),
      weights('W', [1, 4 * H, I], 105), weights('R', [1, 4 * H, H], 106), weights('B', [1, 8 * H], 107, 0.1),
      weights('Wg', [1, 3 * H, I], 108), weights('Rg', [1, 3 * H, H], 109), weights('Bg', [1, 6 * H], 110, 0.1)],
  });
  return { name: 'keras_sequence_op11', model, note: 'Conv1D via Unsqueeze/Transposes/Squeeze, Dense, LSTM with HardSigmoid, GRU linear_before_reset' };
}

/**
 * paddle2onnx outside OCR at opset 11: a segmentation head's Softmax over axis 1 of NCHW logits (below opset 13 that
 * is one softmax over C·H·W) and ArgMax over the classes; PicoDet's distribution integral, a softmax over 8 bins of an
 * NHWC-transposed [N, -1, 4, 8] head times a 1-D projection vector (F.linear → MatMul by a vector).
 */
function paddleHeads(): PatternModel {
  const nodes = [
    node('Conv', ['x', 'w'], ['c'], { kernel_shape: [1, 1] }),
    node('Softmax', ['c'], ['prob'], { axis: 1 }),
    node('ArgMax', ['c'], ['label'], { axis: 1, keepdims: 0 }),
    node('Conv', ['x', 'wreg'], ['reg'], { kernel_shape: [1, 1] }),
    node('Transpose', ['reg'], ['reg_nhwc'], { perm: [0, 2, 3, 1] }),
    node('Reshape', ['reg_nhwc', 'bins'], ['reg_bins']),
    node('Softmax', ['reg_bins'], ['reg_p'], { axis: -1 }),
    node('MatMul', ['reg_p', 'project'], ['dist']),
  ];
  const model = buildModel({
    opset: 11, producer: 'paddle2onnx', inputs: [['x', 'float32', [1, 8, 8, 8]]], outputs: ['prob', 'label', 'dist'], nodes,
    initializers: [weights('w', [4, 8, 1, 1], 91), weights('wreg', [32, 8, 1, 1], 92), i64('bins', [1, -1, 4, 8]), f32('project', [0, 1, 2, 3, 4, 5, 6, 7])],
  });
  return { name: 'paddle_heads_op11', model, note: 'Softmax axis 1 of NCHW at opset 11, ArgMax, PicoDet DFL: MatMul by a 1-D projection' };
}

/** skl2onnx's classifier: a tree ensemble whose probabilities ZipMap turns into a sequence of maps. */
function skl2onnxTrees(): PatternModel {
  const nodes = [
    dnode('ai.onnx.ml', 'TreeEnsembleClassifier', ['X'], ['label', 'probabilities'], {
      classlabels_int64s: [0, 1], class_ids: [0, 1, 0, 1], class_nodeids: [1, 1, 2, 2], class_treeids: [0, 0, 0, 0],
      class_weights: { type: 'floats', value: [0.8, 0.2, 0.1, 0.9] }, nodes_falsenodeids: [2, 0, 0], nodes_featureids: [0, 0, 0],
      nodes_hitrates: { type: 'floats', value: [1, 1, 1] }, nodes_missing_value_tracks_true: [0, 0, 0],
      nodes_modes: ['BRANCH_LEQ', 'LEAF', 'LEAF'], nodes_nodeids: [0, 1, 2], nodes_treeids: [0, 0, 0], nodes_truenodeids: [1, 0, 0],
      nodes_values: { type: 'floats', value: [0.5, 0, 0] }, post_transform: 'NONE',
    }),
    dnode('ai.onnx.ml', 'ZipMap', ['probabilities'], ['output_probability'], { classlabels_int64s: [0, 1] }),
  ];
  const model = buildModel({
    opset: 13, producer: 'skl2onnx', inputs: [['X', 'float32', [1, 4]]], outputs: ['label', 'output_probability'], nodes, infer: false,
  });
  model.opsets.set('ai.onnx.ml', 1);
  return { name: 'skl2onnx_trees', model, note: 'ai.onnx.ml TreeEnsembleClassifier + ZipMap' };
}

/** onnxruntime's optimizer output (com.microsoft fused ops) on a small conv net and a transformer block. */
function ortFused(op: string): PatternModel {
  const ms = 'com.microsoft';
  let model: Model;
  if (op === 'FusedGemm') {
    model = buildModel({
      opset: 13, producer: 'onnxruntime optimizer', infer: false, inputs: [['x', 'float32', [2, 16]]], outputs: [['y', 'float32', [2, 8]]],
      nodes: [dnode(ms, 'FusedGemm', ['x', 'w', 'b'], ['y'], { activation: 'LeakyRelu', activation_alpha: 0.1, transB: 1 })],
      initializers: [weights('w', [8, 16], 71), weights('b', [8], 72, 0.1)],
    });
  } else if (op === 'FusedConv_3d') {
    // onnxruntime's extended level on a video net (r3d_18): a 3-D Conv + Relu fused.
    model = buildModel({
      opset: 13, producer: 'onnxruntime optimizer', infer: false, inputs: [['x', 'float32', [1, 3, 4, 6, 6]]], outputs: [['y', 'float32', [1, 4, 4, 6, 6]]],
      nodes: [dnode(ms, 'FusedConv', ['x', 'w', 'b'], ['y'], { activation: 'Relu', kernel_shape: [3, 3, 3], pads: [1, 1, 1, 1, 1, 1] })],
      initializers: [weights('w', [4, 3, 3, 3, 3], 53), weights('b', [4], 54, 0.1)],
    });
  } else if (op.startsWith('FusedConv')) {
    const act = op.split('_')[1] ?? 'Relu';
    const params = act === 'LeakyRelu' ? [0.2] : act === 'Clip' ? [-0.25, 0.5] : act === 'HardSigmoid' ? [1 / 6, 0.5] : undefined;
    model = buildModel({
      opset: 13, producer: 'onnxruntime optimizer', infer: false, inputs: [['x', 'float32', [1, 3, 8, 8]]], outputs: [['y', 'float32', [1, 4, 8, 8]]],
      nodes: [dnode(ms, 'FusedConv', ['x', 'w', 'b'], ['y'], { activation: act, kernel_shape: [3, 3], pads: [1, 1, 1, 1],
        ...(params ? { activation_params: { type: 'floats', value: params } } : {}) })],
      initializers: [weights('w', [4, 3, 3, 3], 51), weights('b', [4], 52, 0.1)],
    });
  } else {
    const E = 16;
    const io = { inputs: [['x', 'float32', [1, 6, E]]] as [string, 'float32' | 'int32', number[]][], outputs: [['y', 'float32', [1, 6, E]]] as [string, 'float32', number[]][] };
    if (op === 'EmbedLayerNormalization') io.inputs = [['ids', 'int32', [1, 6]], ['segments', 'int32', [1, 6]]];
    const inits = [weights('skip_in', [1, 6, E], 53), f32('gamma', Array.from({ length: E }, (_, i) => 1 + i / 32)), weights('beta', [E], 54, 0.1), weights('bias', [E], 55, 0.1),
      weights('qkv_w', [E, 3 * E], 56, 0.3), weights('qkv_b', [3 * E], 57, 0.1), weights('w_t', [8, E], 58, 0.3), weights('wq', [E, E], 59, 0.3),
      weights('wk', [E, E], 60, 0.3), tensor('mask', 'int32', [1, 6], [1, 1, 1, 1, 1, 0]), weights('word_emb', [30, E], 61), weights('pos_emb', [6, E], 62), weights('seg_emb', [2, E], 63)];
    const body: Record<string, Node[]> = {
      QuickGelu: [dnode(ms, 'QuickGelu', ['x'], ['y'], { alpha: 1.702 })],
      FastGelu: [dnode(ms, 'FastGelu', ['x', 'bias'], ['y'])],
      BiasGelu: [dnode(ms, 'BiasGelu', ['x', 'bias'], ['y'])],
      Gelu: [dnode(ms, 'Gelu', ['x'], ['y'])],
      SkipLayerNormalization: [dnode(ms, 'SkipLayerNormalization', ['x', 'skip_in', 'gamma', 'beta', 'bias'], ['y'], { epsilon: 1e-5 })],
      // The residual sum as the fourth output (what the next block's SkipLayerNormalization reads), no beta.
      SkipLayerNormalization_sum: [dnode(ms, 'SkipLayerNormalization', ['x', 'skip_in', 'gamma'], ['y', '', '', 'sum'], { epsilon: 1e-5 })],
      Attention: [dnode(ms, 'Attention', ['x', 'qkv_w', 'qkv_b'], ['y'], { num_heads: 2 })],
      // A raw [batch, sequence] attention mask (int32, 1 keep, 0 drop), the last key dropped.
      Attention_mask: [dnode(ms, 'Attention', ['x', 'qkv_w', 'qkv_b', 'mask'], ['y'], { num_heads: 4 })],
      // BERT's embeddings, LayerNorm and mask index in one op.
      EmbedLayerNormalization: [dnode(ms, 'EmbedLayerNormalization', ['ids', 'segments', 'word_emb', 'pos_emb', 'seg_emb', 'gamma', 'beta'], ['y', 'mask_index'])],
      FusedMatMul: [dnode(ms, 'FusedMatMul', ['x', 'w_t'], ['y'], { transB: 1, alpha: 0.5 })],
      // Attention scores as the optimizer writes them: q · kᵀ / √d with the Transpose and the scale folded in.
      FusedMatMul_qk: [node('MatMul', ['x', 'wq'], ['q']), node('MatMul', ['x', 'wk'], ['k']),
        dnode(ms, 'FusedMatMul', ['q', 'k'], ['s'], { transB: 1, alpha: 0.25 }), node('Softmax', ['s'], ['p'], { axis: -1 }),
        node('MatMul', ['p', 'x'], ['y'])],
      // onnxruntime's own LayerNormalization in the default domain, below opset 17.
      LayerNormalization_op13: [node('LayerNormalization', ['x', 'gamma', 'beta'], ['y'], { axis: -1, epsilon: { type: 'float', value: 1e-5 } })],
    };
    const outputs = op.endsWith('_sum') ? [...io.outputs, ['sum', 'float32', [1, 6, E]] as [string, 'float32', number[]]]
      : op === 'FusedMatMul' ? [['y', 'float32', [1, 6, 8]] as [string, 'float32', number[]]] : io.outputs;
    model = buildModel({ opset: 13, producer: 'onnxruntime optimizer', infer: false, inputs: io.inputs, outputs, nodes: body[op],
      initializers: inits.filter((t) => body[op].some((n) => n.inputs.includes(t.name))) });
  }
  model.opsets.set(ms, 1);
  return { name: `ort_${op}`, model, note: `com.microsoft.${op.replace('_', ' with ')}`, transposes: op.startsWith('Attention') ? 2 : 0 };
}

export const ORT_FUSED_OPS = ['FusedConv', 'FusedConv_LeakyRelu', 'FusedConv_Clip', 'FusedConv_HardSigmoid', 'FusedConv_3d', 'QuickGelu', 'FastGelu', 'BiasGelu', 'Gelu',
  'SkipLayerNormalization', 'SkipLayerNormalization_sum', 'FusedMatMul', 'FusedMatMul_qk', 'FusedGemm',
  'LayerNormalization_op13', 'Attention', 'Attention_mask', 'EmbedLayerNormalization'];

export function exporterPatterns(): PatternModel[] {
  return [tf2onnxCnn(), tf2onnxHeads(), kerasFlatten(), tf2onnxUnitChannel(), kerasSequence(), zooOpset7(), zooBnPerActivation(), zooImageScaler(), paddleHeads(), skl2onnxTrees(), ...ORT_FUSED_OPS.map(ortFused)];
}

// Makes the bundled sample samples/tinycnn.onnx (opset 13): three conv → batch norm → relu stages with max
// pooling, global average pooling, flatten and a Gemm classifier head; deterministic seeded weights, batch-norm
// statistics estimated layer by layer on random inputs with onnxruntime so activations have realistic ranges.
// Also writes samples/tinycnn.test_data_set_0/{input_0,output_0}.pb (the output computed by onnxruntime).
// Usage: node --import tsx scripts/make-sample.ts   (or: npm run make-sample)
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { Model, Tensor } from '../src/ir/types';
import { buildModel, node, tensor } from '../src/onnx/builder';
import { encodeModel, encodeTensor } from '../src/onnx/writer';

const OUT = path.resolve(__dirname, '..', 'samples');
const SIZE = 64;
const CLASSES = 10;
const STAGES = [[3, 16], [16, 32], [32, 64]];

function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(20260101);
const uniform = (n: number, scale: number) => Array.from({ length: n }, () => (rand() * 2 - 1) * scale);

/** He-uniform conv weights and small biases. */
const weights = STAGES.map(([cin, cout], i) => ({
  w: tensor(`conv${i}.weight`, 'float32', [cout, cin, 3, 3], uniform(cout * cin * 9, Math.sqrt(6 / (cin * 9)))),
  b: tensor(`conv${i}.bias`, 'float32', [cout], uniform(cout, 0.05)),
  gamma: tensor(`bn${i}.weight`, 'float32', [cout], Array.from({ length: cout }, () => 0.8 + 0.4 * rand())),
  beta: tensor(`bn${i}.bias`, 'float32', [cout], uniform(cout, 0.1)),
  mean: tensor(`bn${i}.running_mean`, 'float32', [cout], new Array(cout).fill(0)),
  variance: tensor(`bn${i}.running_var`, 'float32', [cout], new Array(cout).fill(1)),
}));
const fcW = tensor('fc.weight', 'float32', [CLASSES, 64], uniform(CLASSES * 64, Math.sqrt(6 / 64)));
const fcB = tensor('fc.bias', 'float32', [CLASSES], uniform(CLASSES, 0.05));

function makeModel(extraOutputs: string[] = []): Model {
  const nodes = [];
  let x = 'input';
  for (let i = 0; i < STAGES.length; i++) {
    const W = weights[i];
    nodes.push(node('Conv', [x, W.w.name, W.b.name], [`conv${i}`], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] }, `conv${i}`));
    nodes.push(node('BatchNormalization', [`conv${i}`, W.gamma.name, W.beta.name, W.mean.name, W.variance.name], [`bn${i}`],
      { epsilon: { type: 'float', value: 1e-5 }, momentum: 0.9 }, `bn${i}`));
    nodes.push(node('Relu', [`bn${i}`], [`relu${i}`], {}, `relu${i}`));
    if (i < STAGES.length - 1) {
      nodes.push(node('MaxPool', [`relu${i}`], [`pool${i}`], { kernel_shape: [2, 2], strides: [2, 2] }, `pool${i}`));
      x = `pool${i}`;
    } else x = `relu${i}`;
  }
  nodes.push(node('GlobalAveragePool', [x], ['gap'], {}, 'gap'));
  nodes.push(node('Flatten', ['gap'], ['flat'], { axis: 1 }, 'flatten'));
  nodes.push(node('Gemm', ['flat', fcW.name, fcB.name], ['logits'], { transB: 1 }, 'fc'));
  const inits: Tensor[] = [...weights.flatMap((w) => [w.w, w.b, w.gamma, w.beta, w.mean, w.variance]), fcW, fcB];
  return buildModel({
    name: 'tinycnn', opset: 13, producer: 'onnx2lite make-sample', nodes, initializers: inits,
    inputs: [['input', 'float32', [1, 3, SIZE, SIZE]]],
    outputs: [['logits', 'float32', [1, CLASSES]], ...extraOutputs],
  });
}

function inputBatch(n: number): Float32Array {
  return Float32Array.from({ length: n * 3 * SIZE * SIZE }, () => rand());
}

async function run(model: Model, data: Float32Array, batch: number, outputs: string[]): Promise<ort.InferenceSession.OnnxValueMapType> {
  model.graph.inputs[0].shape = [batch, 3, SIZE, SIZE];
  model.graph.outputs = outputs.map((name) => ({ name, dtype: 'float32', shape: undefined }));
  const s = await ort.InferenceSession.create(encodeModel(model, { valueInfo: false }));
  const r = await s.run({ input: new ort.Tensor('float32', data, [batch, 3, SIZE, SIZE]) });
  await s.release();
  return r;
}

async function main(): Promise<void> {
  // Batch-norm statistics, stage by stage: each estimate feeds the next stage's activations.
  const batch = 16;
  const calib = inputBatch(batch);
  for (let i = 0; i < STAGES.length; i++) {
    const r = await run(makeModel(), calib, batch, [`conv${i}`]);
    const t = r[`conv${i}`];
    const [n, c, h, w] = t.dims as number[];
    const d = t.data as Float32Array;
    const mean = new Array<number>(c).fill(0);
    const sq = new Array<number>(c).fill(0);
    for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let k = 0; k < h * w; k++) {
      const v = d[(b * c + ch) * h * w + k];
      mean[ch] += v;
      sq[ch] += v * v;
    }
    const cnt = n * h * w;
    weights[i].mean = tensor(weights[i].mean.name, 'float32', [c], mean.map((s) => s / cnt));
    weights[i].variance = tensor(weights[i].variance.name, 'float32', [c], sq.map((s, ch) => Math.max(s / cnt - (mean[ch] / cnt) ** 2, 1e-3)));
  }
  const model = makeModel();
  fs.mkdirSync(path.join(OUT, 'tinycnn.test_data_set_0'), { recursive: true });
  fs.writeFileSync(path.join(OUT, 'tinycnn.onnx'), encodeModel(model));
  const input = inputBatch(1);
  const r = await run(makeModel(), input, 1, ['logits']);
  const logits = r.logits;
  fs.writeFileSync(path.join(OUT, 'tinycnn.test_data_set_0', 'input_0.pb'), encodeTensor(tensor('input', 'float32', [1, 3, SIZE, SIZE], input)));
  fs.writeFileSync(path.join(OUT, 'tinycnn.test_data_set_0', 'output_0.pb'),
    encodeTensor(tensor('logits', 'float32', [...logits.dims], logits.data as Float32Array)));
  process.stdout.write(`wrote samples/tinycnn.onnx (${fs.statSync(path.join(OUT, 'tinycnn.onnx')).size} bytes) and its test data\n`);
}

main().catch((e) => { process.stderr.write(`make-sample: ${e instanceof Error ? e.message : e}\n`); process.exit(1); });

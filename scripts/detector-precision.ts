// How far a torchvision R-CNN's outputs move under float rounding alone, beside how far LiteRT's are from
// onnxruntime's. Detection rows are paired as sets (src/compare/detection-sets.ts) and each output's max|diff| /
// max|ref| is printed over the paired rows, for: onnxruntime with graph optimizations disabled (its own float
// reordering: fused Conv+BatchNorm, other kernels) and, given a .tflite, LiteRT. Keypoints more than 0.5 px apart and
// masks more than 1e-2 apart are listed with their boxes (Keypoint R-CNN resizes heatmaps to ceil(box size), Mask
// R-CNN pastes at the integer part of the expanded box: a box at such a step moves the whole head's grid).
// With --roialign NODE, the RoiAlign node's own inputs are fed to a one-node model: onnx2lite's RoiAlign on LiteRT
// against onnxruntime's on identical inputs, and onnxruntime's with every region moved by 1e-3 and 8.4e-3 px.
// Usage: node --import tsx scripts/detector-precision.ts MODEL.onnx [MODEL.tflite] [--picture] [--roialign NODE]
// (models from scripts/export-torchvision-detector.py NAME 320; the input is the self-check's: uniform [0, 1), seed 1).
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { openOnnx, runOnnx } from '../src/runtime/ort';
import { openConverted } from '../src/runtime/tflite-onnx-io';
import { seededUniform } from '../src/core/random';
import { toFloat32, toNumbers } from '../src/ir/tensor';
import { pairDetections, pairedRows } from '../src/compare/detection-sets';
import { readModelFile } from '../src/onnx/reader';
import { encodeModel } from '../src/onnx/writer';
import { buildModel } from '../src/onnx/builder';
import { convertModel } from '../src/convert/convert';
import { serializeTflite } from '../src/tflite/writer';
import type { Tensor } from '../src/ir/types';

const args = process.argv.slice(2);
const picture = args.includes('--picture');
if (picture) args.splice(args.indexOf('--picture'), 1);
const roiAt = args.indexOf('--roialign');
const roiNode = roiAt < 0 ? undefined : args.splice(roiAt, 2)[1];
const [onnx, tflite] = args;
if (!onnx) throw new Error('usage: detector-precision.ts MODEL.onnx [MODEL.tflite] [--picture] [--roialign NODE]');
const load = () => `[load ${loadavg().map((v) => v.toFixed(1)).join(' ')}]`;
/** The image side, as the model was exported (the picture is drawn for 320 and scaled). */
const S = Number((readModelFile(onnx ?? '').graph.inputs[0]?.shape ?? []).at(-1) ?? 320);

/** The self-check's input, or the drawn picture of test/convert/detectors-torchvision.test.ts. */
function image(): Tensor {
  const data = new Float32Array(3 * S * S);
  if (!picture) { const r = seededUniform(1); for (let i = 0; i < data.length; i++) data[i] = r(); }
  else {
    let seed = 11;
    const grain = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * 0.04;
    for (let v = 0; v < S; v++) for (let u = 0; u < S; u++) {
      const [x, y] = [(u * 320) / S, (v * 320) / S];
      let rgb = [0.53, 0.66, 0.42];
      if (x >= 30 && x < 140 && y >= 40 && y < 200) rgb = [0.82, 0.25, 0.19];
      if ((x - 230) ** 2 + (y - 120) ** 2 < 50 ** 2) rgb = [0.19, 0.31, 0.75];
      if (y > 230 && y < 300 && Math.abs(x - 160) < (y - 230) * 1.4) rgb = [0.94, 0.88, 0.25];
      for (let c = 0; c < 3; c++) data[c * S * S + v * S + u] = rgb[c]! + grain();
    }
  }
  return { name: 'image', dtype: 'float32', dims: [3, S, S], data };
}

function rel(a: Float32Array, b: Float32Array): string {
  let m = 0;
  let d = 0;
  for (let i = 0; i < a.length; i++) { m = Math.max(m, Math.abs(a[i]!)); d = Math.max(d, Math.abs(a[i]! - b[i]!)); }
  return `${(d / (m || 1)).toExponential(2)} (abs ${d.toExponential(2)})`;
}

function report(label: string, ref: Map<string, Tensor>, got: Map<string, Tensor>): void {
  const f = (m: Map<string, Tensor>, n: string) => Float32Array.from(toNumbers(m.get(n)!));
  const side = (m: Map<string, Tensor>) => ({ boxes: f(m, 'boxes'), scores: f(m, 'scores'), labels: f(m, 'labels') });
  const p = pairDetections(side(ref), side(got));
  const [nr, ng] = [ref.get('boxes')!.dims[0]!, got.get('boxes')!.dims[0]!];
  const rows = pairedRows([...ref.keys()].map((n) => ({ name: n, ref: f(ref, n), got: f(got, n) })), nr, ng, p);
  console.log(`${label}: rows ${nr}/${ng}, ${p.pairs.length} paired (${p.pairs.filter(([i, j]) => i !== j).length} in another order), `
    + `${p.missing.length} missing, ${p.extra.length} extra | ${rows.map((o) => `${o.name} ${rel(o.ref, o.got)}`).join(' | ')} ${load()}`);
  const [br, bg] = [f(ref, 'boxes'), f(got, 'boxes')];
  const box = (b: Float32Array, r: number) => Array.from(b.subarray(r * 4, r * 4 + 4), (v) => v.toFixed(4)).join(',');
  if (ref.has('keypoints')) {
    const K = ref.get('keypoints')!.dims[1]!;
    const [kr, kg, sr, sg] = [f(ref, 'keypoints'), f(got, 'keypoints'), f(ref, 'keypoints_scores'), f(got, 'keypoints_scores')];
    for (const [i, j] of p.pairs) for (let k = 0; k < K; k++) {
      const [a, b] = [(i * K + k) * 3, (j * K + k) * 3];
      if (Math.max(Math.abs(kr[a]! - kg[b]!), Math.abs(kr[a + 1]! - kg[b + 1]!)) <= 0.5) continue;
      console.log(`  row ${i} keypoint ${k}: (${kr[a]!.toFixed(2)}, ${kr[a + 1]!.toFixed(2)}) score ${sr[i * K + k]} vs (${kg[b]!.toFixed(2)}, ${kg[b + 1]!.toFixed(2)}) score ${sg[j * K + k]}; box ${box(br, i)} vs ${box(bg, j)}`);
    }
  }
  if (ref.has('masks')) {
    const [mr, mg] = [f(ref, 'masks'), f(got, 'masks')];
    const w = mr.length / Math.max(1, nr);
    for (const [i, j] of p.pairs) {
      let d = 0;
      for (let k = 0; k < w; k++) d = Math.max(d, Math.abs(mr[i * w + k]! - mg[j * w + k]!));
      if (d > 1e-2) console.log(`  row ${i} mask off by ${d.toFixed(3)}; box ${box(br, i)} vs ${box(bg, j)}`);
    }
  }
}

async function roiAlign(x: Tensor, name: string): Promise<void> {
  const m = readModelFile(onnx!);
  const node = m.graph.nodes.find((n) => n.name === name);
  if (!node) throw new Error(`no node ${name}`);
  const names = [...node.inputs, node.outputs[0]!];
  for (const n of names) m.graph.outputs.push({ name: n, dtype: undefined, shape: undefined });
  const s = await openOnnx(encodeModel(m, { valueInfo: false }), { optimization: 'disabled' });
  const ref = await s.run([x], names);
  await s.close();
  const [X, R, B] = names.map((n) => ref.get(n)!);
  const one = buildModel({ opset: m.opsets.get('') ?? 16, inputs: [['X', 'float32', X!.dims], ['rois', 'float32', R!.dims], ['batch', B!.dtype, B!.dims]],
    outputs: ['Y'], nodes: [{ ...node, name: 'roialign', inputs: ['X', 'rois', 'batch'], outputs: ['Y'] }] });
  const feeds: Tensor[] = [{ ...X!, name: 'X' }, { ...R!, name: 'rois' }, { ...B!, name: 'batch' }];
  const y = toFloat32((await runOnnx(encodeModel(one), feeds)).get('Y')!);
  for (const d of [1e-3, 8.4e-3]) {
    const q = seededUniform(5);
    const moved = Float32Array.from(toFloat32(R!), (v) => v + (q() < 0.5 ? -d : d));
    const y2 = toFloat32((await runOnnx(encodeModel(one), [feeds[0]!, { ...R!, name: 'rois', data: moved }, feeds[2]!])).get('Y')!);
    console.log(`${name} [${R!.dims}] regions: onnxruntime, every region moved by ${d} px: ${rel(y, y2)}`);
  }
  const lite = await openConverted(serializeTflite(convertModel(one, {}).model));
  try {
    console.log(`${name}: onnx2lite on LiteRT vs onnxruntime, identical inputs: ${rel(y, toFloat32((await lite.run(feeds)).get('Y')!))} ${load()}`);
  } finally { lite.close(); }
}

async function main(): Promise<void> {
  const x = image();
  if (roiNode) { await roiAlign(x, roiNode); return; }
  const all = await openOnnx(onnx, { optimization: 'all' });
  const ref = await all.run([x]);
  await all.close();
  const off = await openOnnx(onnx, { optimization: 'disabled' });
  report('onnxruntime, optimizations disabled vs all', ref, await off.run([x]));
  await off.close();
  if (tflite) {
    const lite = await openConverted(new Uint8Array(readFileSync(tflite)));
    try { report('LiteRT vs onnxruntime (all)', ref, await lite.run([x])); } finally { lite.close(); }
  }
}
void main();

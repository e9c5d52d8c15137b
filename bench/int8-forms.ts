// Which quantized form LiteRT.js's XNNPack runs fastest, on synthetic conv stacks written directly as TFLite (no
// converter in between): float32 against int8 activations with per-channel weights (XNNPack's QC8 kernels),
// per-tensor weights (QS8), uint8 asymmetric activations and weights (TFLite's legacy uint8 ops, XNNPack's QU8),
// with the activation fused into the conv or as its own op, at channel counts on and off the kernels' tiles. Each
// stack is float32 in and out (a QUANTIZE at the start, a DEQUANTIZE at the end, as the int8 pass writes them).
// Timing: every variant open at once, interleaved rounds, the main thread's own CPU time (bench/paired-latency.ts
// threadNs), ratios as medians of per-round ratios against float32 with quartiles; the load average beside them.
// With ONNX2LITE_LITERT_LOG=1 LiteRT prints how many nodes its XNNPack delegate took ("Replacing N out of M").
// Usage: node --import tsx bench/int8-forms.ts [--stack conv3,mbv1,dw,pw,stem] [--c 16,24,32] [--hw 24x96] [--layers 8]
//        [--forms f32,qc8,qs8,qu8,qc8-relu6,qc8-sep] [--budget 15000] [--save DIR] [--threads N: LiteRT's threaded build
//        (ONNX2LITE_LITERT_BUILD=threaded), timed by the wall clock]
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TflModel, TflOperator, TflQuantization, TflTensor, TflType } from '../src/tflite/model';
import { serializeTflite } from '../src/tflite/writer';
import { openTflite } from '../src/runtime/litert';
import { liteRtBuild } from '../src/runtime/litert-load';
import { loadAverage, pairedRatio, ratioText, threadNs } from './paired-latency';

export type Act = 'f32' | 'i8' | 'u8';
export interface Form {
  label: string; act: Act;
  /** Weights' scales: one per output channel (int8 only) or one for the tensor. */
  perChannel: boolean;
  /** RELU6 fused into every conv ('fused'), as a RELU6 op after it ('separate'), or none. */
  relu: 'none' | 'fused' | 'separate';
  /** The first layer float32 (from the float input), its output quantized (QUANTIZE after it, not before). */
  floatStem?: boolean;
}
export const FORMS: Record<string, Form> = {
  f32: { label: 'f32', act: 'f32', perChannel: false, relu: 'none' },
  'f32-relu6': { label: 'f32-relu6', act: 'f32', perChannel: false, relu: 'fused' },
  qc8: { label: 'qc8', act: 'i8', perChannel: true, relu: 'none' },
  qs8: { label: 'qs8', act: 'i8', perChannel: false, relu: 'none' },
  qu8: { label: 'qu8', act: 'u8', perChannel: false, relu: 'none' },
  'qc8-relu6': { label: 'qc8-relu6', act: 'i8', perChannel: true, relu: 'fused' },
  'qc8-sep': { label: 'qc8-sep', act: 'i8', perChannel: true, relu: 'separate' },
  'qc8-fstem': { label: 'qc8-fstem', act: 'i8', perChannel: true, relu: 'none', floatStem: true },
};

/** conv3: 3x3 CONV_2D c -> c; mbv1: 3x3 DEPTHWISE then 1x1 CONV_2D; dw: 3x3 DEPTHWISE alone; pw: 1x1 CONV_2D alone;
 *  stem: one 3x3 stride-2 CONV_2D from 3 channels to c (a network's first layer; `layers` ignored). */
export interface Stack { kind: 'conv3' | 'mbv1' | 'dw' | 'pw' | 'stem'; h: number; w: number; c: number; layers: number }

/** Deterministic pseudo-random numbers in [-1, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 31 - 1; };
}

/** A conv stack (kind conv3: 3x3 CONV_2D c -> c; mbv1: 3x3 DEPTHWISE then 1x1 CONV_2D) in the given form. */
export function convStack(st: Stack, form: Form, seed = 1): TflModel {
  const tensors: TflTensor[] = [];
  const operators: TflOperator[] = [];
  const rand = rng(seed);
  const add = (t: TflTensor) => tensors.push(t) - 1;
  const q = form.act !== 'f32';
  const actType: TflType = form.act === 'i8' ? 'INT8' : form.act === 'u8' ? 'UINT8' : 'FLOAT32';
  // Activations in [-4, 4) mapped to the 8-bit range (zero point -1 for int8, 127 for uint8).
  const actQ: TflQuantization = { scale: [8 / 255], zeroPoint: [form.act === 'u8' ? 128 : 0] };
  const reluQ: TflQuantization = { scale: [6 / 255], zeroPoint: [form.act === 'u8' ? 0 : -128] };
  const stem = st.kind === 'stem';
  const outShape = stem ? [1, Math.ceil(st.h / 2), Math.ceil(st.w / 2), st.c] : [1, st.h, st.w, st.c];
  const act = (name: string, quant = actQ, shape = outShape) => add({ name, type: actType, shape, ...(q ? { quantization: quant } : {}) });
  const inShape = [1, st.h, st.w, stem ? 3 : st.c];
  const input = add({ name: 'x', type: 'FLOAT32', shape: inShape });
  let cur = input;
  if (q && !form.floatStem) { const o = act('x_q', actQ, inShape); operators.push({ opcode: 'QUANTIZE', version: 1, inputs: [cur], outputs: [o] }); cur = o; }
  let n = 0;
  const floatLayer = () => q && form.floatStem && n === 0;
  const weighted = (opcode: 'CONV_2D' | 'DEPTHWISE_CONV_2D', k: number, relu: boolean, cin = st.c, stride = 1) => {
    const c = st.c;
    const count = k * k * c * (opcode === 'CONV_2D' ? cin : 1);
    const wf = Float32Array.from({ length: count }, () => rand() * (opcode === 'CONV_2D' ? 1 / Math.sqrt(k * k * cin) : 1 / k));
    const shape = opcode === 'CONV_2D' ? [c, k, k, cin] : [1, k, k, c];
    const axis = opcode === 'CONV_2D' ? 0 : 3;
    const channelOf = (i: number) => (axis === 0 ? Math.floor(i / (k * k * cin)) : i % c);
    let wt: TflTensor;
    let biasScale: number[] = [];
    const name = `w${n}`;
    if (!q || floatLayer()) {
      wt = { name, type: 'FLOAT32', shape, data: new Uint8Array(wf.buffer) };
    } else {
      const maxAbs = new Array(form.perChannel ? c : 1).fill(1e-6);
      wf.forEach((v, i) => { const ch = form.perChannel ? channelOf(i) : 0; maxAbs[ch] = Math.max(maxAbs[ch], Math.abs(v)); });
      const wScale = maxAbs.map((m) => m / 127);
      const zp = form.act === 'u8' ? 128 : 0;
      const bytes = form.act === 'u8' ? new Uint8Array(count) : new Int8Array(count);
      wf.forEach((v, i) => { bytes[i] = Math.max(form.act === 'u8' ? 0 : -127, Math.min(form.act === 'u8' ? 255 : 127, Math.round(v / wScale[form.perChannel ? channelOf(i) : 0]) + zp)); });
      wt = { name, type: actType, shape, data: new Uint8Array(bytes.buffer),
        quantization: { scale: wScale, zeroPoint: wScale.map(() => zp), quantizedDimension: form.perChannel ? axis : 0 } };
      biasScale = wScale.map((s) => s * actQ.scale[0]!);
    }
    const w = add(wt);
    const bf = Float32Array.from({ length: c }, () => rand() * 0.1);
    const fl = floatLayer();
    const b = add(q && !fl
      ? { name: `b${n}`, type: 'INT32', shape: [c], data: new Uint8Array(Int32Array.from(bf, (v, i) => Math.round(v / biasScale[biasScale.length > 1 ? i : 0]!)).buffer),
        quantization: { scale: biasScale, zeroPoint: biasScale.map(() => 0), quantizedDimension: 0 } }
      : { name: `b${n}`, type: 'FLOAT32', shape: [c], data: new Uint8Array(bf.buffer) });
    const fused = relu && form.relu === 'fused';
    const o = act(`y${n}`, fused ? reluQ : actQ);
    const options = { padding: 'SAME', strideW: stride, strideH: stride, dilationWFactor: 1, dilationHFactor: 1, fusedActivationFunction: fused ? 'RELU6' : 'NONE',
      ...(opcode === 'DEPTHWISE_CONV_2D' ? { depthMultiplier: 1 } : {}) };
    if (fl) {
      // float32 layer from the float input, then QUANTIZE into the int8 tensor the int8 layer would have written
      const f = add({ name: `y${n}_float`, type: 'FLOAT32', shape: tensors[o]!.shape });
      operators.push({ opcode, version: 1, inputs: [cur, w, b], outputs: [f], options }, { opcode: 'QUANTIZE', version: 1, inputs: [f], outputs: [o] });
    } else {
      operators.push({ opcode, version: form.act === 'i8' ? 3 : 1, inputs: [cur, w, b], outputs: [o], options });
    }
    cur = o;
    if (relu && form.relu === 'separate') {
      const r = act(`r${n}`, reluQ);
      operators.push({ opcode: 'RELU6', version: form.act === 'i8' ? 2 : 1, inputs: [cur], outputs: [r] });
      cur = r;
    }
    n++;
  };
  for (let l = 0; l < st.layers; l++) {
    if (st.kind === 'stem') { weighted('CONV_2D', 3, true, 3, 2); break; }
    if (st.kind === 'conv3') weighted('CONV_2D', 3, true);
    else if (st.kind === 'dw') weighted('DEPTHWISE_CONV_2D', 3, true);
    else if (st.kind === 'pw') weighted('CONV_2D', 1, true);
    else { weighted('DEPTHWISE_CONV_2D', 3, true); weighted('CONV_2D', 1, true); }
  }
  if (q) { const o = add({ name: 'out', type: 'FLOAT32', shape: outShape }); operators.push({ opcode: 'DEQUANTIZE', version: form.act === 'i8' ? 2 : 1, inputs: [cur], outputs: [o] }); cur = o; }
  return { version: 3, description: 'int8-forms', metadata: new Map(), subgraphs: [{ name: 'main', tensors, operators, inputs: [input], outputs: [cur] }] };
}

export interface FormTime { label: string; ms: number; ratio: number; spread: [number, number] }

/** Paired, interleaved rounds over `models` (the first is the base), each batch >= 20 ms of the base. */
export async function timeForms(models: { label: string; tflite: Uint8Array }[], budgetMs = 15000, threads = 1): Promise<FormTime[]> {
  const sessions = await Promise.all(models.map((m) => openTflite(m.tflite, { threads })));
  // With worker threads the main thread's clock misses their work: the wall clock then (fastest batches matter).
  const clock = threads > 1 ? () => performance.now() * 1e6 : () => threadNs()!;
  try {
    const feeds = sessions.map((s) => s.inputs.map((i) => {
      const r = rng(7);
      const size = i.dims.reduce((a, d) => a * d, 1);
      return { name: i.name, dtype: i.dtype, dims: i.dims, data: Float32Array.from({ length: size }, () => 3 * r()) };
    }));
    const run = async (i: number, reps: number) => {
      const t0 = clock();
      for (let r = 0; r < reps; r++) await sessions[i].run(feeds[i]);
      return (clock() - t0) / 1e6 / reps;
    };
    for (let i = 0; i < sessions.length; i++) await run(i, 2);
    const w0 = performance.now();
    await run(0, 1);
    const reps = Math.max(1, Math.min(2000, Math.ceil(20 / Math.max(0.001, performance.now() - w0))));
    const per: number[][] = sessions.map(() => []);
    const start = performance.now();
    for (let n = 0; n < 60 && (n < 7 || performance.now() - start < budgetMs); n++) {
      for (let j = 0; j < sessions.length; j++) { const i = (j + n) % sessions.length; per[i].push(await run(i, reps)); }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    return models.map((m, i) => ({ label: m.label, ms: median(per[i]), ...pairedRatio(per[i], per[0]) }));
  } finally {
    for (const s of sessions) s.close();
  }
}

if (/int8-forms\.(ts|cjs|js)$/.test(process.argv[1] ?? '')) (async () => {
  const args = process.argv.slice(2);
  const opt = (k: string, d: string) => (args.includes(k) ? args[args.indexOf(k) + 1]! : d);
  const kinds = opt('--stack', 'conv3,mbv1').split(',') as Stack['kind'][];
  const [h, w] = opt('--hw', '24x96').split('x').map(Number);
  const layers = Number(opt('--layers', '6'));
  const forms = opt('--forms', 'f32,qc8,qs8,qu8').split(',').map((f) => { if (!FORMS[f]) throw new Error(`unknown form ${f}`); return FORMS[f]!; });
  const save = args.includes('--save') ? opt('--save', '.') : undefined;
  console.log(`# LiteRT build ${process.env.ONNX2LITE_LITERT_BUILD || 'compat'}, one thread; ratios: median of per-round ratios to ${forms[0]!.label} (quartiles)`);
  for (const kind of kinds) {
    for (const c of opt('--c', '16,24,32').split(',').map(Number)) {
      const st: Stack = { kind, h: h!, w: w!, c, layers };
      const models = forms.map((f) => ({ label: f.label, tflite: serializeTflite(convStack(st, f)) }));
      if (save) for (const m of models) fs.writeFileSync(path.join(save, `${kind}_c${c}_${m.label}.tflite`), m.tflite);
      const load0 = loadAverage();
      const t = await timeForms(models, Number(opt('--budget', '15000')), Number(opt('--threads', '1')));
      console.log(`${kind} ${h}x${w}x${c} x${layers}: ` + t.map((r) => `${r.label} ${r.ms.toFixed(3)} ms ${ratioText(r)}`).join(', ') + `  [${liteRtBuild()}; load ${load0} → ${loadAverage()}]`);
    }
  }
})().catch((e) => { console.error(e); process.exit(1); });

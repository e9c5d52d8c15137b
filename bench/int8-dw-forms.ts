// Which int8 DEPTHWISE_CONV_2D forms LiteRT.js's XNNPack runs fast, against the same layer in float32: per-channel
// (QC8) or per-tensor (QS8) weights, 3x3 or 5x5, stride 1 or 2, a fused RELU or none, SAME padding or an explicit PAD
// then VALID (the form the converter writes for asymmetric stride-2 padding), the activations' zero point -1 or 0, and
// channel counts on and off XNNPack's tiles (XNNPack's WASM SIMD int8 depthwise kernels, the same in LiteRT's compat
// and relaxed-SIMD builds, take 16 channels a step with 16-bit products, `mul16_add16`; float32's take 8). Stacks are
// written directly as TFLite (no converter), `layers` depthwise layers in a row (one for stride 2), int8 in and out
// (the kernels alone; --float-io puts the QUANTIZE / DEQUANTIZE the int8 pass writes at a float32 model's ends).
// Timing: bench/raw-runner.ts pairedRaw (every variant open at once, interleaved rounds, the main thread's own CPU
// time, no JavaScript copies of inputs and outputs), ratios to the first form as medians of per-round ratios with
// quartiles; the load average beside them.
// Usage: node --import tsx bench/int8-dw-forms.ts [--shapes 22x22x96,88x88x24] [--k 3,5] [--stride 1,2]
//        [--forms f32,qc8,qs8,qc8-relu,qc8-pad,qc8-zp0] [--layers 4] [--budget 8000] [--float-io]
import type { TflModel, TflOperator, TflQuantization, TflTensor } from '../src/tflite/model';
import { serializeTflite } from '../src/tflite/writer';
import { liteRtBuild } from '../src/runtime/litert-load';
import { rng } from './int8-forms';
import { loadAverage, ratioText } from './paired-latency';
import { pairedRaw } from './raw-runner';

export interface DwForm {
  int8: boolean;
  /** Weights' scales: one per channel (QC8) or one for the tensor (QS8). */
  perChannel?: boolean;
  /** A RELU fused into each layer (int8 output zero point -128). */
  relu?: boolean;
  /** An explicit PAD (int8: of the zero point) then a VALID depthwise, instead of SAME. */
  pad?: boolean;
  /** Zero point of every int8 activation (default -1). */
  zeroPoint?: number;
  /** Float32 in and out around an int8 stack (QUANTIZE / DEQUANTIZE at its ends). */
  floatIo?: boolean;
}
export const DW_FORMS: Record<string, DwForm> = {
  f32: { int8: false },
  'f32-relu': { int8: false, relu: true },
  'f32-pad': { int8: false, pad: true },
  qc8: { int8: true, perChannel: true },
  qs8: { int8: true, perChannel: false },
  'qc8-relu': { int8: true, perChannel: true, relu: true },
  'qs8-relu': { int8: true, perChannel: false, relu: true },
  'qc8-pad': { int8: true, perChannel: true, pad: true },
  'qc8-zp0': { int8: true, perChannel: true, zeroPoint: 0 },
};

export interface DwStack { h: number; w: number; c: number; k: number; stride: number; layers: number }

/** SAME padding's (before, after) for one axis. */
function samePad(size: number, k: number, stride: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max(0, (out - 1) * stride + k - size);
  return [total >> 1, total - (total >> 1)];
}

/** `st.layers` depthwise layers (k x k, multiplier 1) in the given form, float32 in and out. */
export function dwStack(st: DwStack, form: DwForm, seed = 1): TflModel {
  const tensors: TflTensor[] = [];
  const operators: TflOperator[] = [];
  const rand = rng(seed);
  const add = (t: TflTensor) => tensors.push(t) - 1;
  const zp = form.zeroPoint ?? -1;
  const actQ: TflQuantization = { scale: [8 / 255], zeroPoint: [zp] };
  const reluQ: TflQuantization = { scale: [4 / 255], zeroPoint: [-128] };
  const type = form.int8 ? 'INT8' as const : 'FLOAT32' as const;
  const act = (name: string, shape: number[], quant: TflQuantization) => add({ name, type, shape, ...(form.int8 ? { quantization: quant } : {}) });
  let shape = [1, st.h, st.w, st.c];
  const ends = form.int8 && form.floatIo;
  const input = ends ? add({ name: 'x', type: 'FLOAT32', shape }) : act('x', shape, actQ);
  let cur = input;
  let curQ = actQ;
  if (ends) { const o = act('x_q', shape, actQ); operators.push({ opcode: 'QUANTIZE', version: 1, inputs: [cur], outputs: [o] }); cur = o; }
  const layers = st.stride > 1 ? 1 : st.layers;
  for (let n = 0; n < layers; n++) {
    const { k, c, stride } = st;
    const count = k * k * c;
    const wf = Float32Array.from({ length: count }, () => rand() / k);
    let wt: TflTensor;
    let biasScale: number[] = [];
    if (!form.int8) {
      wt = { name: `w${n}`, type: 'FLOAT32', shape: [1, k, k, c], data: new Uint8Array(wf.buffer) };
    } else {
      const maxAbs = new Array(form.perChannel ? c : 1).fill(1e-6);
      wf.forEach((v, i) => { const ch = form.perChannel ? i % c : 0; maxAbs[ch] = Math.max(maxAbs[ch], Math.abs(v)); });
      const ws = maxAbs.map((m) => m / 127);
      const bytes = Int8Array.from(wf, (v, i) => Math.max(-127, Math.min(127, Math.round(v / ws[form.perChannel ? i % c : 0]))));
      wt = { name: `w${n}`, type: 'INT8', shape: [1, k, k, c], data: new Uint8Array(bytes.buffer),
        quantization: { scale: ws, zeroPoint: ws.map(() => 0), quantizedDimension: form.perChannel ? 3 : 0 } };
      biasScale = ws.map((s) => s * curQ.scale[0]!);
    }
    const w = add(wt);
    const bf = Float32Array.from({ length: c }, () => rand() * 0.1);
    const b = add(form.int8
      ? { name: `b${n}`, type: 'INT32', shape: [c], data: new Uint8Array(Int32Array.from(bf, (v, i) => Math.round(v / biasScale[biasScale.length > 1 ? i : 0]!)).buffer),
        quantization: { scale: biasScale, zeroPoint: biasScale.map(() => 0), quantizedDimension: 0 } }
      : { name: `b${n}`, type: 'FLOAT32', shape: [c], data: new Uint8Array(bf.buffer) });
    const [ph0, ph1] = samePad(shape[1]!, k, stride);
    const [pw0, pw1] = samePad(shape[2]!, k, stride);
    let padding = 'SAME';
    if (form.pad) {
      const padded = [1, shape[1]! + ph0 + ph1, shape[2]! + pw0 + pw1, c];
      const pads = add({ name: `pads${n}`, type: 'INT32', shape: [4, 2], data: new Uint8Array(Int32Array.from([0, 0, ph0, ph1, pw0, pw1, 0, 0]).buffer) });
      const o = act(`p${n}`, padded, curQ);
      operators.push({ opcode: 'PAD', version: form.int8 ? 3 : 1, inputs: [cur, pads], outputs: [o] });
      cur = o;
      padding = 'VALID';
    }
    const outShape = [1, Math.ceil(shape[1]! / stride), Math.ceil(shape[2]! / stride), c];
    const oq = form.relu ? reluQ : actQ;
    const o = act(`y${n}`, outShape, oq);
    operators.push({ opcode: 'DEPTHWISE_CONV_2D', version: form.int8 ? 3 : 1, inputs: [cur, w, b], outputs: [o],
      options: { padding, strideW: stride, strideH: stride, depthMultiplier: 1, dilationWFactor: 1, dilationHFactor: 1, fusedActivationFunction: form.relu ? 'RELU' : 'NONE' } });
    cur = o;
    curQ = oq;
    shape = outShape;
  }
  if (ends) { const o = add({ name: 'out', type: 'FLOAT32', shape }); operators.push({ opcode: 'DEQUANTIZE', version: 2, inputs: [cur], outputs: [o] }); cur = o; }
  return { version: 3, description: 'int8-dw-forms', metadata: new Map(), subgraphs: [{ name: 'main', tensors, operators, inputs: [input], outputs: [cur] }] };
}

if (/int8-dw-forms\.(ts|cjs|js)$/.test(process.argv[1] ?? '')) (async () => {
  const args = process.argv.slice(2);
  const opt = (key: string, d: string) => (args.includes(key) ? args[args.indexOf(key) + 1]! : d);
  const list = (key: string, d: string) => opt(key, d).split(',').map(Number);
  const shapes = opt('--shapes', '22x22x96,44x44x48,88x88x24').split(',').map((s) => s.split('x').map(Number));
  const floatIo = args.includes('--float-io');
  const forms = opt('--forms', 'f32,qc8,qs8,qc8-relu,qc8-pad,qc8-zp0').split(',').map((f) => {
    if (!DW_FORMS[f]) throw new Error(`unknown form ${f}`);
    return [f, { ...DW_FORMS[f]!, floatIo }] as const;
  });
  console.log(`# LiteRT build ${process.env.ONNX2LITE_LITERT_BUILD || 'compat'}, one thread; ratios: median of per-round ratios to ${forms[0]![0]} (quartiles)`);
  for (const k of list('--k', '3,5')) for (const stride of list('--stride', '1,2')) for (const [h, w, c] of shapes) {
    const st: DwStack = { h: h!, w: w!, c: c!, k, stride, layers: Number(opt('--layers', '4')) };
    const models = forms.map(([label, f]) => ({ label, tflite: serializeTflite(dwStack(st, f)) }));
    const load0 = loadAverage();
    const t = await pairedRaw(models, Number(opt('--budget', '8000')));
    console.log(`dw k${k} s${stride} ${h}x${w}x${c}${stride > 1 ? '' : ` x${st.layers}`}: ` + t.map((r) => `${r.label} ${r.ms.toFixed(3)} ms ${ratioText(r)}`).join(', ') + `  [${liteRtBuild()}; load ${load0} → ${loadAverage()}]`);
  }
})().catch((e) => { console.error(e); process.exit(1); });

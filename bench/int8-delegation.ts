// Which int8 ops LiteRT.js's XNNPack delegate takes: every op type the int8 pass writes (src/quantize/int8-ops.ts),
// alone in a model of its own on a [1, 24, 96, 32] activation, int8 against the same op in float32 (bench/op-latency.ts
// timeAlone: process CPU per run, middle of 5 batches). LiteRT prints nothing about partitions, so the time says it:
// an op XNNPack runs in int8 costs about what its float32 twin does or less (an elementwise pass over a quarter of the
// bytes); one it leaves to TFLite's own int8 kernel (reference code compiled to WASM) costs several times more — int8
// RELU was 14x float32 (src/quantize/int8-relu.ts), HARD_SWISH 2.5-5x (int8-hardswish.ts). The int8 → int8 QUANTIZE
// (a requantization XNNPack runs) is the floor printed for comparison.
// Usage: node --import tsx bench/int8-delegation.ts [--ops RELU,RELU6,...] [--shape 1x24x96x32]
import type { TflModel, TflOperator, TflOptionValue, TflTensor } from '../src/tflite/model';
import { serializeTflite } from '../src/tflite/writer';
import { INT8_OPS } from '../src/quantize/int8-ops';
import { timeAlone } from './op-latency';
import { loadAverage } from './paired-latency';
import { liteRtBuild } from '../src/runtime/litert-load';

interface Case { opcode: string; inputs?: 1 | 2; options?: Record<string, TflOptionValue>; consts?: (shape: number[]) => TflTensor[];
  /** Fixed int8 output parameters (the kernel's rule) or the output range [lo, hi]. */
  out?: { scale: number; zeroPoint: number } | [number, number]; outShape?: (shape: number[]) => number[]; int8Version?: number }

const i32 = (name: string, v: number[], shape = [v.length]): TflTensor => ({ name, type: 'INT32', shape, data: new Uint8Array(Int32Array.from(v).buffer) });
export const CASES: Case[] = [
  { opcode: 'QUANTIZE', int8Version: 1, out: [-2, 2] },
  { opcode: 'RELU', out: [0, 4] },
  { opcode: 'RELU6', out: [0, 4] },
  { opcode: 'RELU_N1_TO_1', out: [-1, 1] },
  { opcode: 'LEAKY_RELU', options: { alpha: 0.1 }, out: [-0.4, 4] },
  { opcode: 'HARD_SWISH', out: [-0.375, 4] },
  { opcode: 'LOGISTIC', out: { scale: 1 / 256, zeroPoint: -128 } },
  { opcode: 'TANH', out: { scale: 1 / 128, zeroPoint: 0 } },
  { opcode: 'ABS', out: [0, 4] },
  { opcode: 'PRELU', consts: (s) => [{ name: 'alpha', type: 'FLOAT32', shape: [1, 1, s[3]!], data: new Uint8Array(new Float32Array(s[3]!).fill(0.2).buffer) }], out: [-0.8, 4] },
  { opcode: 'ADD', inputs: 2, options: { fusedActivationFunction: 'NONE' }, out: [-8, 8] },
  { opcode: 'SUB', inputs: 2, options: { fusedActivationFunction: 'NONE' }, out: [-8, 8] },
  { opcode: 'MUL', inputs: 2, options: { fusedActivationFunction: 'NONE' }, out: [-16, 16] },
  { opcode: 'MAXIMUM', inputs: 2, out: [-4, 4] },
  { opcode: 'MINIMUM', inputs: 2, out: [-4, 4] },
  { opcode: 'MEAN', consts: () => [i32('axes', [1, 2])], options: { keepDims: true }, outShape: (s) => [1, 1, 1, s[3]!], out: [-4, 4] },
  { opcode: 'SUM', consts: () => [i32('axes', [3])], options: { keepDims: true }, outShape: (s) => [...s.slice(0, 3), 1], out: [-64, 64] },
  { opcode: 'MAX_POOL_2D', options: { padding: 'SAME', strideW: 1, strideH: 1, filterWidth: 3, filterHeight: 3, fusedActivationFunction: 'NONE' }, out: [-4, 4] },
  { opcode: 'AVERAGE_POOL_2D', options: { padding: 'SAME', strideW: 1, strideH: 1, filterWidth: 3, filterHeight: 3, fusedActivationFunction: 'NONE' }, out: [-4, 4] },
  { opcode: 'PAD', consts: () => [i32('pads', [0, 0, 1, 1, 1, 1, 0, 0], [4, 2])], outShape: (s) => [s[0]!, s[1]! + 2, s[2]! + 2, s[3]!], out: [-4, 4] },
  { opcode: 'TRANSPOSE', consts: () => [i32('perm', [0, 2, 1, 3])], outShape: (s) => [s[0]!, s[2]!, s[1]!, s[3]!], out: [-4, 4] },
  { opcode: 'CONCATENATION', inputs: 2, options: { axis: 3, fusedActivationFunction: 'NONE' }, outShape: (s) => [...s.slice(0, 3), 2 * s[3]!], out: [-4, 4] },
  { opcode: 'RESIZE_BILINEAR', consts: (s) => [i32('size', [2 * s[1]!, 2 * s[2]!])], options: { alignCorners: false, halfPixelCenters: true },
    outShape: (s) => [s[0]!, 2 * s[1]!, 2 * s[2]!, s[3]!], out: [-4, 4] },
  { opcode: 'RESIZE_NEAREST_NEIGHBOR', consts: (s) => [i32('size', [2 * s[1]!, 2 * s[2]!])], options: { alignCorners: false, halfPixelCenters: false },
    outShape: (s) => [s[0]!, 2 * s[1]!, 2 * s[2]!, s[3]!], out: [-4, 4] },
  { opcode: 'SOFTMAX', options: { beta: 1 }, out: { scale: 1 / 256, zeroPoint: -128 } },
];

/** One op on x ([-4, 4] in int8) alone: float32 or int8 (QUANTIZE int8 → int8 when `c` is QUANTIZE). */
export function oneOp(c: Case, shape: number[], int8: boolean): TflModel {
  const inQ = { scale: [8 / 255], zeroPoint: [0] };
  const outParams = !c.out ? inQ : Array.isArray(c.out) ? { scale: [(c.out[1] - c.out[0]) / 255], zeroPoint: [Math.round(-128 - c.out[0] / ((c.out[1] - c.out[0]) / 255))] }
    : { scale: [c.out.scale], zeroPoint: [c.out.zeroPoint] };
  const type = int8 ? 'INT8' as const : 'FLOAT32' as const;
  const tensors: TflTensor[] = [];
  const add = (t: TflTensor) => tensors.push(t) - 1;
  const ins = Array.from({ length: c.inputs ?? 1 }, (_, k) => add({ name: `x${k}`, type, shape, ...(int8 ? { quantization: inQ } : {}) }));
  const consts = (c.consts?.(shape) ?? []).map((t) => add(int8 && t.type === 'FLOAT32'
    ? { ...t, type: 'INT8', data: new Uint8Array(new Int8Array(t.data!.byteLength / 4).fill(51).buffer), quantization: { scale: [0.2 / 51], zeroPoint: [0] } } : t));
  const y = add({ name: 'y', type, shape: c.outShape?.(shape) ?? shape, ...(int8 ? { quantization: outParams } : {}) });
  const opcode = c.opcode === 'QUANTIZE' && !int8 ? 'RELU_N1_TO_1' : c.opcode;
  const op: TflOperator = { opcode, version: int8 ? (c.int8Version ?? INT8_OPS[c.opcode]?.version ?? 1) : 1, inputs: [...ins, ...consts], outputs: [y], ...(c.options ? { options: c.options } : {}) };
  return { version: 3, description: 'int8-delegation', metadata: new Map(), subgraphs: [{ name: 'main', tensors, operators: [op], inputs: ins, outputs: [y] }] };
}

if (/int8-delegation\.(ts|cjs|js)$/.test(process.argv[1] ?? '')) (async () => {
  const args = process.argv.slice(2);
  const opt = (k: string, d: string) => (args.includes(k) ? args[args.indexOf(k) + 1]! : d);
  const shape = opt('--shape', '1x24x96x32').split('x').map(Number);
  const only = args.includes('--ops') ? new Set(opt('--ops', '').split(',')) : undefined;
  const load0 = loadAverage();
  const rows: string[] = [];
  let floor = NaN;
  for (const c of CASES.filter((k) => !only || only.has(k.opcode))) {
    const f = await timeAlone(serializeTflite(oneOp(c, shape, false)));
    const q = await timeAlone(serializeTflite(oneOp(c, shape, true)));
    if (c.opcode === 'QUANTIZE') floor = q;
    rows.push(`${c.opcode.padEnd(16)} float32 ${f.toFixed(3).padStart(7)} ms   int8 ${q.toFixed(3).padStart(7)} ms   int8/float32 ${(q / f).toFixed(2).padStart(6)}×`
      + (Number.isFinite(floor) ? `   int8 / int8 QUANTIZE ${(q / floor).toFixed(1).padStart(5)}×` : ''));
  }
  console.log(`# LiteRT ${liteRtBuild()} build, one thread, one op alone on ${JSON.stringify(shape)} (QUANTIZE's float32 twin: RELU_N1_TO_1); load ${load0} → ${loadAverage()}`);
  for (const r of rows) console.log(r);
})().catch((e) => { console.error(e); process.exit(1); });

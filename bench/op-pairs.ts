// Where an int8 model's time goes against its float32 twin, op by op, in paired rounds: each op of the int8 file and
// the float32 file's op writing the same tensor (bench/op-latency.ts cutOp and its twin rule) are cut into models of
// their own and timed in interleaved rounds (bench/raw-runner.ts pairedRaw: the main thread's clock, no JavaScript
// copies), so a busy machine moves both alike; bench/op-latency.ts times each file's ops one model after the other,
// which at load 17-28 read FastestDet's int8 depthwise convs anywhere from 0.64x to 0.90x of float32 in two runs. The
// int8 file's ops without a float32 twin (QUANTIZE / DEQUANTIZE, float16 weights' pins) are timed alone, paired with
// nothing. Then sums by opcode and precision, the two whole files paired the same way (random inputs), and what the
// int8 file would sum to with every op int8 at its opcode's paired ratio.
// Usage: node --import tsx bench/op-pairs.ts FLOAT.tflite INT8.tflite [--budget MS per pair, default 1500] [--json OUT]
import * as fs from 'node:fs';
import { parseTflite } from '../src/tflite/reader';
import { serializeTflite } from '../src/tflite/writer';
import type { TflModel } from '../src/tflite/model';
import { liteRtBuild } from '../src/runtime/litert-load';
import { cutOp, timeAlone } from './op-latency';
import { loadAverage, ratioText } from './paired-latency';
import { pairedRaw } from './raw-runner';

const FREE = new Set(['RESHAPE', 'SQUEEZE', 'EXPAND_DIMS']);

export interface OpPair { k: number; opcode: string; precision: string; shape: number[]; ms: number; twinMs?: number; ratio?: number; spread?: [number, number] }

/** Op index by output tensor name in `m` (an int8 copy `x_int8` is joined to `x`). */
function byOutput(m: TflModel): Map<string, number> {
  const sg = m.subgraphs[0]!;
  const map = new Map<string, number>();
  sg.operators.forEach((op, k) => { for (const o of op.outputs) map.set(sg.tensors[o]!.name, k); });
  return map;
}

export async function opPairs(float: TflModel, int8: TflModel, budgetMs: number): Promise<OpPair[]> {
  const sg = int8.subgraphs[0]!;
  const fsg = float.subgraphs[0]!;
  const twins = byOutput(float);
  const isConst = (i: number) => !!sg.tensors[i]?.data?.byteLength;
  const rows: OpPair[] = [];
  for (let k = 0; k < sg.operators.length; k++) {
    const op = sg.operators[k]!;
    if (FREE.has(op.opcode) || (op.opcode === 'DEQUANTIZE' && isConst(op.inputs[0]!))) continue;
    const out = sg.tensors[op.outputs[0]!]!;
    const act = sg.tensors[op.inputs.find((i) => i >= 0 && !isConst(i)) ?? op.outputs[0]!]!;
    const t = twins.get(out.name) ?? twins.get(out.name.replace(/_int8$/, ''));
    const mine = serializeTflite(cutOp(int8, k));
    if (t === undefined || fsg.operators[t]!.opcode !== op.opcode) {
      rows.push({ k, opcode: op.opcode, precision: act.type, shape: out.shape, ms: await timeAlone(mine) });
      continue;
    }
    const [base, q] = await pairedRaw([{ label: 'float32', tflite: serializeTflite(cutOp(float, t)) }, { label: 'int8', tflite: mine }], budgetMs);
    rows.push({ k, opcode: op.opcode, precision: act.type, shape: out.shape, ms: q!.ms, twinMs: base!.ms, ratio: q!.ratio, spread: q!.spread });
  }
  return rows;
}

/** Sums by opcode and precision: count, int8 file ms, twins' ms (of the rows that have one). */
export function opcodeSums(rows: OpPair[]): Map<string, { n: number; ms: number; twinMs: number; pairedMs: number }> {
  const sums = new Map<string, { n: number; ms: number; twinMs: number; pairedMs: number }>();
  for (const r of rows) {
    const key = `${r.opcode} ${r.precision}`;
    const s = sums.get(key) ?? { n: 0, ms: 0, twinMs: 0, pairedMs: 0 };
    s.n++; s.ms += r.ms;
    if (r.twinMs !== undefined) { s.twinMs += r.twinMs; s.pairedMs += r.ms; }
    sums.set(key, s);
  }
  return sums;
}

if (/op-pairs\.(ts|cjs|js)$/.test(process.argv[1] ?? '')) (async () => {
  const args = process.argv.slice(2);
  const files = args.filter((a) => a.endsWith('.tflite'));
  if (files.length !== 2) { console.log('usage: node --import tsx bench/op-pairs.ts FLOAT.tflite INT8.tflite [--budget MS] [--json OUT]'); return; }
  const budget = args.includes('--budget') ? Number(args[args.indexOf('--budget') + 1]) : 1500;
  const bytes = files.map((f) => new Uint8Array(fs.readFileSync(f)));
  const load0 = loadAverage();
  const rows = await opPairs(parseTflite(bytes[0]!), parseTflite(bytes[1]!), budget);
  const whole = await pairedRaw([{ label: 'float32', tflite: bytes[0]! }, { label: 'int8', tflite: bytes[1]! }], 20000);
  console.log(`# LiteRT ${liteRtBuild()} build, one thread; load ${load0} → ${loadAverage()}`);
  if (args.includes('--json')) fs.writeFileSync(args[args.indexOf('--json') + 1]!, JSON.stringify({ files, load: [load0, loadAverage()], rows, whole }));
  console.log(`# whole files, paired: float32 ${whole[0]!.ms.toFixed(2)} ms, int8 ${whole[1]!.ms.toFixed(2)} ms, ${ratioText(whole[1]!)}`);
  const total = rows.reduce((s, r) => s + r.ms, 0);
  console.log(`# int8 file's ops summed ${total.toFixed(2)} ms; by opcode and precision: count, ms, share, paired float32 twins (int8 / float32)`);
  const sums = opcodeSums(rows);
  for (const [key, s] of [...sums].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(`  ${key.padEnd(32)} ${String(s.n).padStart(4)} ${s.ms.toFixed(2).padStart(8)} ${(100 * s.ms / total).toFixed(1).padStart(5)}%`
      + (s.twinMs ? `   ${s.pairedMs.toFixed(2)} / ${s.twinMs.toFixed(2)} (${(s.pairedMs / s.twinMs).toFixed(2)}×)` : ''));
  }
  // Every op int8: a float32 op of the int8 file at its opcode's paired int8 ratio (its own time otherwise).
  const ratio = new Map<string, number>();
  for (const [key, s] of sums) if (key.endsWith(' INT8') && s.twinMs) ratio.set(key.replace(/ INT8$/, ''), s.pairedMs / s.twinMs);
  const floatMs = rows.reduce((s, r) => s + (r.twinMs ?? (r.precision === 'FLOAT32' ? r.ms : 0)), 0);
  const allInt8 = rows.reduce((s, r) => s + (r.precision === 'FLOAT32' && ratio.has(r.opcode) ? r.ms * ratio.get(r.opcode)! : r.ms), 0);
  console.log(`# every op int8 at its opcode's paired ratio: ${allInt8.toFixed(2)} ms against the float32 twins' ${floatMs.toFixed(2)} (${(allInt8 / floatMs).toFixed(2)}×)`);
})().catch((e) => { console.error(e); process.exit(1); });

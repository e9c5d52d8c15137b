// Sequential bias correction with int8 upstream (issue #13): each int8 conv / depthwise / fully connected layer's bias
// is moved, in graph order, by minus the per-channel mean shift of its output between the int8 model and the float
// model, measured with every earlier layer already corrected. Unlike correctBiases (bias-correction.ts: each layer's
// own input rounding, x read from the float model), the shift is what the int8 model itself computes upstream,
// the zero padding's columns included (int8's padding activations are off from float's by more than their rms in
// PP-OCRv4 rec: a fit to float's activations does not hold there). One LiteRT pass per group of layers; a layer's
// shift is measured after the groups before it are corrected, so with `group` 1 no layer's correction counts an
// earlier layer's shift again.
// Cost: the float model's values at the layers are read once (in windows of FLOAT_TAP_BYTES over all samples), the int8 model is
// quantized once and each pass only rewrites the corrected int32 biases and runs the ops between the last corrected
// layer and the pass's layers, fed with the activations live there as the pass before read them (prefix-model.ts
// segmentModel; the same values as running the whole model). On PP-OCRv4 rec (47 layers) that is a fraction of
// re-quantizing and running both whole models every pass (docs/model-sweep.md, session 22). A layer whose largest channel shift is under `minSteps` of its
// output's int8 step keeps its bias; the layers after it in the same pass are then read from that same run.
import type { ConvertResult } from '../convert/convert';
import type { Tensor } from '../ir/types';
import { openTflite } from '../runtime/litert';
import { ModelError } from '../ir/types';
import type { TflModel } from '../tflite/model';
import { toTfliteLayout } from '../runtime/tflite-onnx-io';
import { serializeTflite } from '../tflite/writer';
import { type BiasCorrection, type Target, MIN_POSITIONS, targets, withOutputs } from './bias-correction';
import { Int8Options, quantizeInt8 } from './int8';
import { floatData, quantizeBias, type QParams } from './params';
import { liveAt, prefixModel, segmentModel } from './prefix-model';
import { producersOf } from './graph';
import type { RoundedWeights } from './weight-rounding';

export interface SequentialOptions {
  /** Only these layers (float model op indices) are corrected; all by default. */
  ops?: Set<number>;
  /** Layers corrected per LiteRT pass (1: strictly sequential). */
  group?: number;
  /** A layer whose largest per-channel |shift| is under this many of its output's int8 steps keeps its bias (0: every
   *  layer measured is corrected). With `group` 1, the layers after a kept one are read from the same pass, up to
   *  `lookahead` layers per pass. */
  minSteps?: number;
  /** Layers tapped per pass when `minSteps` > 0 (default 4). */
  lookahead?: number;
  /** With a gain: each layer's output channel is also scaled, by the least-squares gain of float's output on int8's
   *  (bias aside) over the same positions, clamped to 1 ± `maxChange`, folded into its per-channel weight scales (the
   *  int8 weights are unchanged; layers with one weight scale keep theirs). */
  gain?: { maxChange: number };
  /** More activation grids (the same graph's, e.g. `params` jittered: grid-jitter.ts) whose int8 copies are measured
   *  too: each layer's shift and gain fit average over `params` and these, so the correction is not tuned to one
   *  grid's rounding. The deltas and gains apply to every grid. */
  grids?: Map<number, QParams>[];
  /** Called after each pass with the layers measured so far and the mean |shift| over the pass's corrected channels. */
  progress?: (done: number, of: number, meanAbsShift: number) => void;
}

/** Bytes of float values (the layers' outputs, all samples) read from one float run; at least one layer a run. */
const FLOAT_TAP_BYTES = 256 << 20;

/** Bias deltas (added to the float biases, per output channel) from the int8 model's own upstream, as
 *  quantizeInt8 writes it with `opts` (its weight rounding, float ops; a biasDelta in `opts` is the starting point). */
export async function sequentialBiases(result: ConvertResult, params: Map<number, QParams>, opts: Int8Options, samples: Tensor[][],
  so: SequentialOptions = {}): Promise<BiasCorrection & { passes: number; weights: Map<number, RoundedWeights>; gains: GainStats }> {
  const t0 = performance.now();
  const floatOps = opts.floatOps ?? new Set<number>();
  const all = targets(result, params).filter((x) => !floatOps.has(x.op) && (!so.ops || so.ops.has(x.op)));
  const delta = new Map<number, Float32Array>([...(opts.biasDelta ?? [])].map(([k, v]) => [k, Float32Array.from(v)]));
  const sg = result.model.subgraphs[0];
  const qopts: Int8Options = { ...opts, int8Io: false, int16Ops: new Set(), splitOps: new Set(), biasDelta: delta };
  const rounded = opts.roundedWeights;
  // One int8 copy per grid (`params`, then so.grids): the same graph, other activation scales. The layers' outputs are
  // graph outputs of each copy (quantizeInt8 renumbers tensors: they are found by position, each behind the DEQUANTIZE
  // it gets as a float output), so every pass reads what meanShifts reads.
  const sides = [params, ...(so.grids ?? [])].map((grid) => {
    const { copy: q, first } = withOutputs(result, all);
    quantizeInt8(q, grid, qopts);
    const qsg = q.model.subgraphs[0];
    const producer = producersOf(qsg);
    // Each layer's int8 op and int32 bias (by its index in `all`).
    const at = all.map((x, j) => {
      const tap = qsg.outputs[first + j];
      const dq = qsg.operators[producer.get(tap) ?? -1];
      const int8 = dq?.opcode === 'DEQUANTIZE' ? dq.inputs[0] : -1;
      const op = qsg.operators[producer.get(int8) ?? -1];
      const bq = op?.opcode === sg.operators[x.op].opcode ? op.inputs[2] : -1;
      const b = bq >= 0 ? qsg.tensors[bq] : undefined;
      if (!b || b.type !== 'INT32' || !b.quantization?.scale.length || qsg.tensors[int8].type !== 'INT8') return undefined;
      const oq = qsg.tensors[int8].quantization!;
      const step = oq.scale[0];
      const zp = oq.zeroPoint?.[0] ?? 0;
      // int8's output range: a value at its edge is saturated (the gain fit leaves it out).
      const edge: [number, number] = [(-127.5 - zp) * step, (126.5 - zp) * step];
      return { tap, bq, scales: [...b.quantization.scale], step, edge, at: producer.get(int8)! };
    });
    const tapOps = new Set(at.flatMap((l) => (l ? [producer.get(l.tap)!] : [])));
    return { q, qsg, producer, at, tapOps, graphInputs: new Set(qsg.inputs) };
  });
  // The layers every grid's copy has as an int8 op with an int32 bias, with the float values quantizeInt8 rounded.
  const ts = all.flatMap((x, j) => {
    if (sides.some((sd) => !sd.at[j])) return [];
    const w = rounded?.get(sg.operators[x.op].inputs[1]);
    const base = (w?.bias && w.biasTensor === x.bias ? w.bias : undefined) ?? floatData(sg.tensors[x.bias]);
    return [{ ...x, base, per: sides.map((sd) => sd.at[j]!) }];
  });
  const weights = new Map<number, RoundedWeights>();
  const gains: GainStats = { channels: 0, clamped: 0, meanAbs: 0 };
  if (!ts.length || !samples.length) return { delta, layers: 0, ms: performance.now() - t0, passes: 0, weights, gains };
  const biasOf = (x: (typeof ts)[number]) => {
    const d = delta.get(x.bias);
    return d ? x.base.map((v, c) => v + (d[c] ?? 0)) : x.base;
  };
  const setBias = (x: (typeof ts)[number]) => sides.forEach(({ qsg }, g) => {
    const { bq, scales } = x.per[g];
    const { data } = quantizeBias(biasOf(x), 1, scales);
    qsg.tensors[bq] = { ...qsg.tensors[bq], data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), quantization: { ...qsg.tensors[bq].quantization!, scale: [...scales] } };
  });
  // A gain g per channel scales the int8 weights' scales (and the bias's, input scale times them) by g.
  const setGain = (x: (typeof ts)[number], g: number[]) => sides.forEach(({ qsg }, k) => {
    const l = x.per[k];
    const wt = qsg.operators[l.at].inputs[1];
    const wq = qsg.tensors[wt].quantization!;
    const scale = wq.scale.map((s, c) => s * g[c]);
    qsg.tensors[wt] = { ...qsg.tensors[wt], quantization: { ...wq, scale } };
    l.scales = l.scales.map((s, c) => s * g[c]);
    if (k > 0) return;
    const w = sg.operators[x.op].inputs[1];
    const was = rounded?.get(w);
    const d = qsg.tensors[wt].data!;
    weights.set(w, { ...(was ?? {}), data: was?.data ?? new Int8Array(d.buffer, d.byteOffset, d.byteLength), scales: scale });
  });
  const gainable = (x: (typeof ts)[number]) => !!so.gain && x.per.every((l, k) => sides[k].qsg.tensors[sides[k].qsg.operators[l.at].inputs[1]].quantization?.scale.length === x.channels && l.scales.length === x.channels);
  const md = result.metadata;
  const feeds = samples.map((s) => md.inputs.map((m, k) => toTfliteLayout(s[k], m)));
  // The float model's values at every layer, read once (a window of layers per float run).
  const floatAt = new Map<number, Float32Array[]>();
  const readFloat = async (from: number) => {
    floatAt.clear();
    const win: Target[] = [];
    let bytes = 0;
    const each = (x: Target) => 4 * size(x) * feeds.length;
    for (let j = from; j < ts.length && (win.length === 0 || bytes + each(ts[j]) <= FLOAT_TAP_BYTES); j++) { win.push(ts[j]); bytes += each(ts[j]); }
    const { copy, first } = withOutputs(result, win);
    const s = await openTflite(serializeTflite(prefixModel(copy.model, copy.model.subgraphs[0].outputs.slice(first))));
    try {
      win.forEach((x) => floatAt.set(x.output, []));
      for (const f of feeds) (await s.run(f)).forEach((o, j) => floatAt.get(win[j].output)!.push(o.data as Float32Array));
    } finally {
      s.close();
    }
  };
  const size = (x: Target) => sg.tensors[x.output].shape.reduce((a, b) => a * b, 1);
  const group = Math.max(1, so.group ?? 1);
  const minSteps = so.minSteps ?? 0;
  const tapped = group > 1 ? group : minSteps > 0 ? Math.max(1, so.lookahead ?? 4) : 1;
  let layers = 0;
  let passes = 0;
  // Each pass runs the ops from the cut it starts at (the op of the layer corrected last) to its layers' taps, fed
  // with the activations live at that cut as the pass before read them (segmentModel); it also reads the activations
  // live at each of its layers' ops, where the next pass may start. The taps' DEQUANTIZE ops do not keep a layer's
  // output live. Each grid's copy runs its own passes; the shifts (and the gain fit) add up over all of them.
  let from = 0;
  let segments = true;
  let states: Map<number, Tensor>[][] = sides.map((sd) => feeds.map((f) => new Map(sd.qsg.inputs.map((t, i) => [t, f[i]]))));
  for (let at = 0; at < ts.length;) {
    const chunk = ts.slice(at, at + tapped);
    if (chunk.some((x) => !floatAt.has(x.output))) await readFloat(at);
    const inWindow = chunk.filter((x) => floatAt.has(x.output));
    const shifts = inWindow.map((x) => ({ sum: new Float64Array(x.channels), n: new Float64Array(x.channels), fit: gainable(x) ? new GainFit(x.channels, biasOf(x)) : undefined }));
    const nexts: Map<number, Tensor>[][] = [];
    for (const [g, sd] of sides.entries()) {
      const cuts = inWindow.map((x) => liveAt(sd.qsg, x.per[g].at, sd.tapOps).filter((t) => !sd.graphInputs.has(t)));
      // A live activation made before `from` (a long skip) is carried over from the state, not read again.
      const outputs = [...new Set([...inWindow.map((x) => x.per[g].tap), ...cuts.flat()])].filter((t) => (sd.producer.get(t) ?? -1) >= from);
      // Where LiteRT cannot run a cut that reads out the live activations (PP-OCRv4 det: "failed to setup XNNPACK
      // runtime" with an int8 / float32 intermediate as an output), this pass and the ones after it run every op from the
      // graph inputs to the taps alone (the same values, more time).
      let runs: Map<number, Tensor>[] | undefined;
      if (segments) {
        try {
          runs = await runSegment(sd.q.model, from, outputs, states[g]);
        } catch (e) {
          if (!(e instanceof ModelError)) throw e;
          segments = false;
        }
      }
      if (!runs) runs = await runSegment(sd.q.model, 0, inWindow.map((x) => x.per[g].tap), states[g]);
      const next: Map<number, Tensor>[] = [];
      for (const k of feeds.keys()) {
        const byTensor = runs[k];
        for (const [t, v] of states[g][k]) if (!byTensor.has(t)) byTensor.set(t, v);
        next.push(byTensor);
        inWindow.forEach((x, j) => {
          const a = floatAt.get(x.output)![k];
          const b = byTensor.get(x.per[g].tap)!.data as Float32Array;
          const [lo, hi] = x.clamp;
          const { edge } = x.per[g];
          const { sum, n, fit } = shifts[j];
          const C = x.channels;
          for (let i = 0; i < a.length; i++) {
            if (a[i] <= lo || a[i] >= hi || b[i] <= lo || b[i] >= hi) continue;
            sum[i % C] += b[i] - a[i];
            n[i % C]++;
            fit?.add(i % C, a[i], b[i], b[i] > edge[0] && b[i] < edge[1] && a[i] > edge[0] && a[i] < edge[1]);
          }
        });
      }
      nexts.push(next);
    }
    passes++;
    // Corrected in order; with group 1, the pass ends at the first layer moved (the layers after it see its old bias).
    let sum = 0;
    let cnt = 0;
    let used = 0;
    const movedNow = new Set<number>();
    for (const [j, x] of inWindow.entries()) {
      used = j + 1;
      const mean = Array.from(shifts[j].sum, (v, c) => (shifts[j].n[c] >= MIN_POSITIONS ? v / shifts[j].n[c] : NaN));
      const largest = Math.max(0, ...mean.filter(Number.isFinite).map(Math.abs));
      if (!mean.some(Number.isFinite) || largest < minSteps * x.per[0].step) continue;
      const d = delta.get(x.bias) ?? new Float32Array(x.channels);
      mean.forEach((v, c) => { if (Number.isFinite(v)) { d[c] -= v; sum += Math.abs(v); cnt++; } });
      const fit = shifts[j].fit?.solve(so.gain!.maxChange);
      if (fit) {
        // g from least squares a ≈ g·u + β (u: int8's output less its bias) where neither side saturates; the new bias
        // keeps the mean of a over every position measured (as the shift alone does).
        fit.bias.forEach((v, c) => { if (Number.isFinite(v) && shifts[j].n[c] >= MIN_POSITIONS) d[c] = v - x.base[c]; });
        const g = fit.gain.map((v, c) => (shifts[j].n[c] >= MIN_POSITIONS ? v : 1));
        for (const v of g) {
          gains.channels++;
          gains.meanAbs += Math.abs(v - 1);
          if (Math.abs(Math.abs(v - 1) - so.gain!.maxChange) < 1e-9) gains.clamped++;
        }
        setGain(x, g);
      }
      delta.set(x.bias, d);
      movedNow.add(x.bias);
      setBias(x);
      layers++;
      if (group === 1) break;
    }
    // The next pass starts at the first layer moved here, or after the last one read.
    const moved = inWindow.findIndex((x) => movedNow.has(x.bias));
    const cut = inWindow[moved >= 0 ? moved : inWindow.length - 1];
    const cutAt = cut.per[0].at;
    states = nexts.map((next, g) => {
      const keep = new Set(segments ? liveAt(sides[g].qsg, cut.per[g].at, sides[g].tapOps) : []);
      return next.map((m) => new Map([...m].filter(([t]) => sides[g].graphInputs.has(t) || keep.has(t))));
    });
    from = segments ? cutAt : 0;
    at += group > 1 ? inWindow.length : used;
    so.progress?.(at, ts.length, cnt ? sum / cnt : 0);
  }
  if (gains.channels) gains.meanAbs /= gains.channels;
  return { delta, layers, ms: performance.now() - t0, passes, weights, gains };
}

/** The fitted gains: channels scaled, how many sit at the clamp (1 ± maxChange), their mean |g - 1|. */
export interface GainStats { channels: number; clamped: number; meanAbs: number }

/** `rounded` (the int8 pass's own, or none: round-to-nearest) with the fit's gain-scaled layers over it, but for the
 *  weights of `except` (ops of the float model kept float32 / 16x8 / split, whose bias the fit did not move). */
export function withGains(rounded: Map<number, RoundedWeights> | undefined, gains: Map<number, RoundedWeights> | undefined,
  result?: ConvertResult, except: Iterable<number> = []): Map<number, RoundedWeights> | undefined {
  const skip = new Set([...except].map((k) => result!.model.subgraphs[0].operators[k].inputs[1]));
  const kept = [...(gains ?? [])].filter(([w]) => !skip.has(w));
  return kept.length ? new Map([...(rounded ?? []), ...kept]) : rounded;
}

/** Per channel least squares of float's output a on int8's u = b - bias (the bias in effect during the pass), over
 *  the positions where neither saturates; the means over every position given. */
class GainFit {
  private readonly s: Float64Array[];
  constructor(readonly channels: number, private readonly bias: Float32Array) {
    this.s = [0, 1, 2, 3, 4, 5, 6, 7].map(() => new Float64Array(channels));
  }
  add(c: number, a: number, b: number, inRange: boolean): void {
    const u = b - this.bias[c];
    const [n, su, sa, m, mu, ma, muu, mua] = this.s;
    n[c]++; su[c] += u; sa[c] += a;
    if (!inRange) return;
    m[c]++; mu[c] += u; ma[c] += a; muu[c] += u * u; mua[c] += u * a;
  }
  /** Gains clamped to 1 ± maxChange and the biases that go with them (NaN: channel not fitted). */
  solve(maxChange: number): { gain: number[]; bias: number[] } {
    const [n, su, sa, m, mu, ma, muu, mua] = this.s;
    const gain: number[] = [];
    const bias: number[] = [];
    for (let c = 0; c < this.channels; c++) {
      const u = mu[c] / m[c];
      const a = ma[c] / m[c];
      const vu = muu[c] / m[c] - u * u;
      const cov = mua[c] / m[c] - u * a;
      const g = m[c] >= MIN_POSITIONS && vu > 1e-12 ? Math.min(1 + maxChange, Math.max(1 - maxChange, cov / vu)) : 1;
      gain.push(g);
      bias.push(n[c] > 0 ? sa[c] / n[c] - g * su[c] / n[c] : NaN);
    }
    return { gain, bias };
  }
}

/** Runs the ops of `model` from `from` to `outputs` on each sample, fed from `state` (segmentModel); the outputs by tensor. */
async function runSegment(model: TflModel, from: number, outputs: number[], state: Map<number, Tensor>[]): Promise<Map<number, Tensor>[]> {
  const outs = [...new Set(outputs)];
  const seg = segmentModel(model, from, outs);
  const s = await openTflite(serializeTflite(seg.model));
  try {
    const runs: Map<number, Tensor>[] = [];
    for (const st of state) {
      const got = await s.run(seg.inputs.map((t) => st.get(t)!));
      runs.push(new Map(outs.map((t, j) => [t, got[j]])));
    }
    return runs;
  } finally {
    s.close();
  }
}

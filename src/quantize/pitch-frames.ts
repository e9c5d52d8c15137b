// A pitch decoded from cents, judged in cents by the int8 guard. FCPE (s28-vis26) decodes f0 = 10 · 2^(c / 1200)
// from the salience-weighted cents around each frame's arg-max bin, 0 where the frame is unvoiced. The guard's cosine
// read the Hz values: a frame whose arg-max moves to a bin an octave off weighs by its Hz, a 5-cent move on a high
// frame more than a 40-cent one on a low frame, and FCPE op13's int8 read 0.9659 (refused) while 1002 / 1024
// held-out frames kept their pitch within 50 cents at a median error of 0.05 cents (s28-refuse4). A pitch tracker is
// read in cents: raw pitch accuracy counts the frames within 50 cents of the reference, and whether a frame is voiced.
// So an output made by a POW of the constant 2 (torch's `2 ** (x / 1200)`, `2 ** ((m − 69) / 12)`), times positive
// constants, through views and a SELECT against a constant (the unvoiced frames' 0), is judged per value: held when
// both sides are unvoiced (≤ 0) or both voiced within MAX_CENTS of each other, 1200 · |log2(got / ref)|; a frame's
// pitch is its arg-max bin, so the frames held are judged as class ids are (argmax-guard.ts: MIN_ARGMAX_SHARE with
// the binomial slack, on the cosine's scale by two-class-rows.ts heldCosine), not by the cosine of the Hz values.
import type { Tensor } from '../ir/types';
import type { TflSubgraph } from '../tflite/model';
import { producersOf } from './graph';
import { heldCosine } from './two-class-rows';

/** Frames within this many cents of the reference hold their pitch (raw pitch accuracy's bar). */
export const MAX_CENTS = 50;

const VIEWS = new Set(['RESHAPE', 'SQUEEZE', 'EXPAND_DIMS', 'DEQUANTIZE', 'QUANTIZE', 'TRANSPOSE']);

/** The value of constant tensor `t` when all its values are one (float32, or int8 / uint8 with one scale: an int8
 *  file's constants), else undefined. */
function constantValue(sg: TflSubgraph, t: number): number | undefined {
  const x = sg.tensors[t];
  const d = x?.data;
  if (!x || !d || d.byteLength < 1) return undefined;
  const q = x.quantization;
  const v = x.type === 'FLOAT32' && d.byteLength >= 4 ? Array.from(new Float32Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength)))
    : (x.type === 'INT8' || x.type === 'UINT8') && q?.scale?.length === 1
      ? Array.from(x.type === 'INT8' ? new Int8Array(d.buffer, d.byteOffset, d.byteLength) : d, (c) => (c - (q.zeroPoint[0] ?? 0)) * q.scale[0]!)
      : undefined;
  return v && v.every((y) => y === v[0]) ? v[0] : undefined;
}

/** Whether output tensor `o` is a pitch decoded from cents (see the header). */
export function isPitch(sg: TflSubgraph, o: number, producer = producersOf(sg)): boolean {
  let t = o;
  let selected = false;
  for (let depth = 0; depth < 16; depth++) {
    const k = producer.get(t);
    if (k === undefined) return false;
    const op = sg.operators[k]!;
    if (VIEWS.has(op.opcode)) { t = op.inputs[0]!; continue; }
    if ((op.opcode === 'SELECT' || op.opcode === 'SELECT_V2') && !selected) {
      // One branch a constant (the unvoiced frames' value), the other the decode.
      const [a, b] = [op.inputs[1]!, op.inputs[2]!];
      const fixed = (i: number) => !!sg.tensors[i]?.data;
      if (fixed(a) === fixed(b)) return false;
      selected = true;
      t = fixed(a) ? b : a;
      continue;
    }
    if (op.opcode === 'MUL') {
      const [a, b] = op.inputs as [number, number];
      const ca = constantValue(sg, a), cb = constantValue(sg, b);
      if (ca !== undefined && ca > 0 && cb === undefined) { t = b; continue; }
      if (cb !== undefined && cb > 0 && ca === undefined) { t = a; continue; }
      return false;
    }
    return op.opcode === 'POW' && constantValue(sg, op.inputs[0]!) === 2 && constantValue(sg, op.inputs[1]!) === undefined;
  }
  return false;
}

/** ONNX names of a converted model's pitch outputs. */
export function pitchOutputs(sg: TflSubgraph, names: Map<number, string>): Set<string> {
  const producer = producersOf(sg);
  const float = (o: number) => sg.tensors[o]!.type === 'FLOAT32' || !!sg.tensors[o]!.quantization?.scale?.length;
  return new Set(sg.outputs.flatMap((o) => (names.has(o) && float(o) && isPitch(sg, o, producer) ? [names.get(o)!] : [])));
}

/** Calls `each` with every value of the outputs `names` and its reference, over the samples where both sides are
 *  float32 of one length; returns the outputs so read. */
export function eachPairedValue(refs: Map<string, Tensor>[], outputs: Map<string, Tensor>[], names: ReadonlySet<string>,
  each: (ref: number, got: number) => void): Set<string> {
  const judged = new Set<string>();
  refs.forEach((ref, k) => {
    for (const name of names) {
      const r = ref.get(name)?.data;
      const g = outputs[k]?.get(name)?.data;
      if (!(r instanceof Float32Array) || !(g instanceof Float32Array) || g.length !== r.length) continue;
      judged.add(name);
      for (let i = 0; i < r.length; i++) each(r[i]!, g[i]!);
    }
  });
  return judged;
}

/** `--json` guard.layouts.pitch: the outputs, frames judged, those held, voicing agreement, frames voiced on both
 *  sides and their median error in cents, the share, its bar, and the share on the cosine's scale. */
export interface PitchFrames { outputs: string[]; frames: number; held: number; voicing: number; voiced: number; share: number; min: number; medianCents: number; cosine: number }

/** The pitch outputs `names` over the samples (undefined when none was judged). `min`: the share's bar. */
export function pitchFrames(refs: Map<string, Tensor>[], outputs: Map<string, Tensor>[], names: ReadonlySet<string>, min: number): PitchFrames | undefined {
  let frames = 0, held = 0, voicing = 0;
  const cents: number[] = [];
  const judged = eachPairedValue(refs, outputs, names, (r, g) => {
    frames++;
    const a = r > 0, b = g > 0;
    if (a === b) voicing++;
    if (!a && !b) { held++; return; }
    if (!a || !b) return;
    const c = Math.abs(1200 * Math.log2(g / r));
    cents.push(c);
    if (c <= MAX_CENTS) held++;
  });
  if (!frames) return undefined;
  cents.sort((x, y) => x - y);
  return { outputs: [...judged], frames, held, voicing, voiced: cents.length, share: held / frames, min, medianCents: cents.length ? cents[cents.length >> 1]! : 0, cosine: heldCosine(frames, held) };
}

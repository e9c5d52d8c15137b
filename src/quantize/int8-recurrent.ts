// Streaming recurrent models carry their state from call to call as a model input and output (Silero VAD v4: h and
// c [2, 1, 64] in, hn and cn out; v5: one `state` [2, 1, 128]). In int8 that state is rounded on every call and the
// rounding error is fed back: over an utterance of 100+ chunks it drifts (Silero VAD v4: output cosine 0.98 per
// utterance, 43 of 1110 speech decisions changed). The ops on the way from a state input to a state output (the
// LSTM / GRU cell: its recurrent and input projections, gates and state updates) are therefore kept float32, their
// weights int8 behind a DEQUANTIZE of the constant (the int8 pass's closing quantizeDynamic, weights.ts; TFLite
// computes it once; XNNPack reads it as a static weight):
// the size stays int8's and the cell's few elementwise ops on 64–128 values cost nothing. The feature encoder before
// the cell and the decoder after it stay int8.
import type { TflSubgraph } from '../tflite/model';
import { consumersOf, isConst, isFloatActivation, producersOf } from './graph';

/** A state tensor holds at most this many values (a recurrent state, not an image a model maps to an image). */
const MAX_STATE = 4096;
/** A larger input is a state too (a cache) up to this many values, when the model has a smaller state beside it. */
const MAX_CACHE = 1 << 16;

/** Ops that only take parts of a tensor: what a state stacked in one input ([1, 2, 128, 2]: h and c of two LSTMs) is
 *  read by before its cells. */
const UNSTACK_OPS = new Set(['STRIDED_SLICE', 'SLICE', 'GATHER', 'SPLIT', 'SPLIT_V', 'UNPACK']);

/** Model inputs paired with a model output of the same shape, in a model with another (data) input and another output.
 *  When every input has an output of its shape (DTLN's stages: a magnitude frame [1, 1, 257] in and its mask
 *  [1, 1, 257] out, a time block [1, 1, 512] in and out, beside the stacked state), the states are the inputs read
 *  only by slices. */
export function stateInputs(sg: TflSubgraph): { inputs: number[]; outputs: number[] } {
  const key = (i: number) => sg.tensors[i].shape.join('x');
  const size = (i: number) => sg.tensors[i].shape.reduce((a, b) => a * b, 1);
  const floatIn = sg.inputs.filter((i) => isFloatActivation(sg.tensors[i]));
  const outKeys = new Set(sg.outputs.filter((o) => sg.tensors[o].type === 'FLOAT32').map(key));
  let inputs = floatIn.filter((i) => outKeys.has(key(i)) && size(i) <= MAX_STATE);
  if (inputs.length > 1 && inputs.length === floatIn.length) {
    const readers = consumersOf(sg);
    inputs = inputs.filter((i) => (readers.get(i) ?? []).length > 0 && readers.get(i)!.every((k) => UNSTACK_OPS.has(sg.operators[k].opcode)));
  }
  if (inputs.length === 0 || inputs.length === floatIn.length) return { inputs: [], outputs: [] };
  // Larger caches beside those small states are states too (GTCRN's conv cache [2, 1, 16, 16, 33]: 16,896 values,
  // else rounded to int8 on every frame and fed back: its waveform drifted 18 dB from float's).
  const caches = floatIn.filter((i) => size(i) > MAX_STATE && size(i) <= MAX_CACHE && outKeys.has(key(i)));
  const inKeys = new Set(inputs.map(key));
  const outputs = sg.outputs.filter((o) => inKeys.has(key(o)));
  // A recurrent model also has a result that is not its next state; a model whose every output matches an input's
  // shape (attention's q → y) has no state.
  if (outputs.length === sg.outputs.length) return { inputs: [], outputs: [] };
  const cacheKeys = new Set(caches.map(key));
  return { inputs: [...inputs, ...caches], outputs: [...outputs, ...sg.outputs.filter((o) => cacheKeys.has(key(o)))] };
}

/** Op indices on a path from a state input to a state output (forward from the one, backward from the other). */
export function recurrentStateOps(sg: TflSubgraph): Set<number> {
  const { inputs, outputs } = stateInputs(sg);
  const out = new Set<number>();
  if (inputs.length === 0 || outputs.length === 0) return out;
  const readers = consumersOf(sg);
  const prod = producersOf(sg);
  const forward = new Set<number>();
  const tensors = [...inputs];
  const seen = new Set(tensors);
  while (tensors.length) {
    for (const k of readers.get(tensors.pop()!) ?? []) {
      if (forward.has(k)) continue;
      forward.add(k);
      for (const o of sg.operators[k].outputs) if (!seen.has(o)) { seen.add(o); tensors.push(o); }
    }
  }
  const back = [...outputs];
  const seenBack = new Set(back);
  while (back.length) {
    const k = prod.get(back.pop()!);
    if (k === undefined || out.has(k)) continue;
    if (forward.has(k)) out.add(k);
    for (const i of sg.operators[k].inputs) if (i >= 0 && !seenBack.has(i) && !isConst(sg.tensors[i])) { seenBack.add(i); back.push(i); }
  }
  return out;
}

// A conv / fully connected layer whose output only a SPLIT / SPLIT_V along the channel axis reads, written as one layer
// per part before calibration: each part then gets its own int8 scale. NanoDet-m's GFL heads are one conv per stride
// whose output is split into 80 class logits and 32 distance-bin logits: with one int8 scale for both (a SPLIT's
// outputs share its input's parameters) the wider part's range swamps the other's (docs/model-sweep.md "NanoDet's
// head split: a scale per part"). The parts' rows of the weights and bias are each layer's, its input, options and
// fused activation the layer's; each part writes the SPLIT's output tensor (an ONNX value, so onnxruntime calibrates
// it) and the SPLIT goes. In float32 the same numbers; the MACs are the same, the ops one more a part.
import type { ConvertResult } from '../convert/convert';
import type { TflOperator, TflSubgraph, TflTensor } from '../tflite/model';
import { consumersOf, isConst, isFloatActivation, uniqueNamer } from './graph';

const LAYERS = new Set(['CONV_2D', 'FULLY_CONNECTED']);

function int32s(t: TflTensor | undefined): number[] | undefined {
  if (!t?.data || t.type !== 'INT32') return undefined;
  return [...new Int32Array(t.data.slice().buffer)];
}

/** The part sizes along the last axis when `split` (SPLIT / SPLIT_V) cuts `x` along its last axis. */
function partSizes(split: TflOperator, x: number, t: TflTensor[]): number[] | undefined {
  const rank = t[x].shape.length;
  const c = t[x].shape[rank - 1];
  const lastAxis = (a: number[] | undefined) => a?.length === 1 && (a[0] === rank - 1 || a[0] === -1);
  if (split.opcode === 'SPLIT' && split.inputs[1] === x && lastAxis(int32s(t[split.inputs[0]]))) {
    const n = split.outputs.length;
    return c % n === 0 ? Array(n).fill(c / n) : undefined;
  }
  if (split.opcode === 'SPLIT_V' && split.inputs[0] === x && lastAxis(int32s(t[split.inputs[2]]))) {
    const s = int32s(t[split.inputs[1]]);
    if (!s || s.length !== split.outputs.length || s.filter((v) => v === -1).length > 1) return undefined;
    const known = s.reduce((a, v) => a + (v === -1 ? 0 : v), 0);
    return s.map((v) => (v === -1 ? c - known : v));
  }
  return undefined;
}

/** Rows [from, from + n) of a float32 constant whose first axis is the output channel. */
function rows(t: TflTensor, from: number, n: number, name: string): TflTensor {
  const per = t.data!.length / t.shape[0];
  return { name, type: t.type, shape: [n, ...t.shape.slice(1)], data: t.data!.slice(from * per, (from + n) * per) };
}

/** The layer ops (indices) that a per-part rewrite applies to, with the SPLIT each one feeds and the part sizes. */
export function splitLayers(sg: TflSubgraph): { layer: number; split: number; sizes: number[] }[] {
  const t = sg.tensors;
  const readers = consumersOf(sg);
  const outs = new Set(sg.outputs);
  const found: { layer: number; split: number; sizes: number[] }[] = [];
  sg.operators.forEach((op, k) => {
    if (!LAYERS.has(op.opcode) || op.outputs.length !== 1) return;
    const [w, b] = [op.inputs[1], op.inputs[2]];
    if (w === undefined || w < 0 || !isConst(t[w]) || t[w].type !== 'FLOAT32') return;
    if (b !== undefined && b >= 0 && (!isConst(t[b]) || t[b].type !== 'FLOAT32')) return;
    const y = op.outputs[0];
    const r = readers.get(y) ?? [];
    if (!isFloatActivation(t[y]) || outs.has(y) || r.length !== 1) return;
    const sizes = partSizes(sg.operators[r[0]], y, t);
    if (!sizes || sizes.length < 2 || sizes.some((s) => s < 1) || sizes.reduce((a, s) => a + s, 0) !== t[w].shape[0]) return;
    found.push({ layer: k, split: r[0], sizes });
  });
  return found;
}

/** Rewrites every such layer of the main subgraph as one layer per part (in place) and drops its SPLIT. Returns how
 *  many layers. */
export function convPerPart(result: ConvertResult): number {
  const sg = result.model.subgraphs[0];
  const found = splitLayers(sg);
  if (found.length === 0) return 0;
  const t = sg.tensors;
  const name = uniqueNamer(sg);
  const add = (tt: TflTensor) => { t.push({ ...tt, name: name(tt.name) }); return t.length - 1; };
  const replaced = new Map<number, TflOperator[]>();
  const dropped = new Set<number>();
  for (const { layer, split, sizes } of found) {
    const op = sg.operators[layer];
    const [w, b] = [op.inputs[1], op.inputs[2]];
    let from = 0;
    replaced.set(layer, sizes.map((n, p) => {
      const part = sg.operators[split].outputs[p];
      const inputs = [op.inputs[0], add(rows(t[w], from, n, `${t[part].name}_weights`))];
      if (b !== undefined && b >= 0) inputs.push(add(rows(t[b], from, n, `${t[part].name}_bias`)));
      else if (op.inputs.length > 2) inputs.push(-1);
      from += n;
      return { ...op, inputs, outputs: [part], options: op.options ? { ...op.options } : undefined };
    }));
    dropped.add(split);
  }
  // Tensor indices stay (the layer's old output and weights are left unread; the int8 pass prunes them).
  sg.operators = sg.operators.flatMap((op, k) => (dropped.has(k) ? [] : replaced.get(k) ?? [op]));
  return found.length;
}

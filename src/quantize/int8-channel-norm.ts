// A normalization with one mean and variance per channel or group of a map (InstanceNorm, GroupNorm: statistics
// over the spatial axes) stays float32 from the layer that makes its input to the division, in int8 models. The
// layer before it writes every channel on one int8 scale, sized for its widest channel; the norm then divides each
// channel by its own deviation, so a narrow channel's few int8 steps are blown up to unit spread, and the centring,
// the squares (x − m)² (one step for the largest square: most small ones round to 0) and their means run on int8
// steps too. LDC's fusion block (Kazuhito00/LDC-ONNX-Sample, trained; a GroupNorm(4, 32) converted to MEAN / SUB /
// MUL / MEAN / ADD / RSQRT / MUL): the conv feeding it at 23.2 dB SNR, the norm's ReLU at 14.8 dB, the fused edge map
// 25.1 dB (`onnx2lite compare`), edge IoU 0.93 against a 0.98 floor while the guard met 0.996. Kept float32: the
// layer making x (computing from its int8 weights behind a DEQUANTIZE, as every float layer of the int8 pass) and the
// moves after it, the means and the SUB centring x, the squaring, the variance's means, + ε, RSQRT / SQRT and the MUL
// / DIV that normalizes. The normalized values (unit spread in every channel) and the affine after them are int8 again.
// A per-sample standardization (one mean: int8-centered-norm.ts) and LayerNorm (statistics per token: the channel
// axis reduced, the spatial ones kept) are not taken, nor the norms of a network normalized after most of its layers
// (a style-transfer net: the whole net would be float32, slower and no better; see the end of channelNormOps).
import type { TflSubgraph } from '../tflite/model';
import { consumersOf, isConst, producersOf } from './graph';
import { elementCount, floatData } from './params';
import { backThrough } from './int8-centered-norm';

/** Single-input data movement passed through around the statistics. */
const MOVES = new Set(['RESHAPE', 'TRANSPOSE', 'SQUEEZE', 'EXPAND_DIMS']);
/** Layers whose float32 output (from int8 weights) is what the norm reads. */
const LAYERS = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'TRANSPOSE_CONV', 'FULLY_CONNECTED', 'CONV_3D']);

/** Back from `t` through MEANs and moves to `src`: the ops passed (with at least one MEAN), else undefined. */
function meanChain(sg: TflSubgraph, prod: Map<number, number>, t: number, src: number): number[] | undefined {
  const ops: number[] = [];
  for (let cur = t; cur !== src;) {
    const k = prod.get(cur);
    if (k === undefined) return undefined;
    const op = sg.operators[k];
    if (op.opcode !== 'MEAN' && !MOVES.has(op.opcode)) return undefined;
    ops.push(k);
    cur = op.inputs[0];
  }
  return ops.some((k) => sg.operators[k].opcode === 'MEAN') ? ops : undefined;
}

/** Forward from `t` through single readers of `through`: [the first reader not of them, the ops passed]. */
function forwardThrough(sg: TflSubgraph, readers: Map<number, number[]>, through: Set<string>, t: number): [number | undefined, number[]] {
  const passed: number[] = [];
  for (let cur = t; ;) {
    const r = readers.get(cur) ?? [];
    if (r.length !== 1) return [undefined, passed];
    const op = sg.operators[r[0]];
    if (!through.has(op.opcode)) return [r[0], passed];
    passed.push(r[0]);
    cur = op.outputs[0];
  }
}

/** Whether op `k` is `d + c` with a negligible constant (|c| <= 1e-6): the fast-neural-style nets of
 *  gnsmrky/pytorch-fast-neural-style-for-web (PyTorch 0.4 for onnx.js) square the centred values as d · (d + 1e-9). */
function zeroAdd(sg: TflSubgraph, k: number, d: number): boolean {
  const op = sg.operators[k];
  if (op.opcode !== 'ADD' || op.inputs[0] !== d) return false;
  const c = sg.tensors[op.inputs[1]];
  return !!c?.data && c.type === 'FLOAT32' && floatData(c).every((v) => Math.abs(v) <= 1e-6);
}

/** Whether `m` (the mean, as the SUB reads it) holds statistics over a map's spatial axes, several per sample: x has
 *  rank 4 or more, its first spatial axis (1) is reduced, and more than one value is left (channels or groups). */
function perChannel(sg: TflSubgraph, x: number, m: number): boolean {
  const xs = sg.tensors[x].shape, ms = sg.tensors[m].shape;
  return xs.length >= 4 && ms.length === xs.length && xs[1] > 1 && ms[1] === 1 && elementCount(ms) > 1;
}

/** Op indices of each per-channel / per-group normalization (see the header), from the layer making its input to
 *  the MUL / DIV that normalizes. */
export function channelNormOps(sg: TflSubgraph): Set<number> {
  const prod = producersOf(sg);
  const readers = consumersOf(sg);
  const out = new Set<number>();
  let norms = 0;
  sg.operators.forEach((sub, s) => {
    if (sub.opcode !== 'SUB') return;
    const [x, m] = sub.inputs;
    const means = meanChain(sg, prod, m, x);
    if (!means || !perChannel(sg, x, m)) return;
    const d = sub.outputs[0];
    // The squaring of the centred values, its means, + ε and the root.
    const dReaders = readers.get(d) ?? [];
    const copies = dReaders.filter((k) => zeroAdd(sg, k, d));
    const same = (t: number) => t === d || copies.some((k) => sg.operators[k].outputs[0] === t);
    const sq = dReaders.find((k) => sg.operators[k].opcode === 'MUL' && sg.operators[k].inputs.every(same));
    if (sq === undefined) return;
    const [add, varMeans] = forwardThrough(sg, readers, new Set(['MEAN', ...MOVES]), sg.operators[sq].outputs[0]);
    if (add === undefined || sg.operators[add].opcode !== 'ADD' || !varMeans.some((k) => sg.operators[k].opcode === 'MEAN')) return;
    const [root] = forwardThrough(sg, readers, MOVES, sg.operators[add].outputs[0]);
    if (root === undefined || (sg.operators[root].opcode !== 'RSQRT' && sg.operators[root].opcode !== 'SQRT')) return;
    // To the MUL / DIV reading d, through moves and (after an RSQRT) the scale γ folded in: RSQRT · γ.
    const want = sg.operators[root].opcode === 'RSQRT' ? 'MUL' : 'DIV';
    const toNorm: number[] = [];
    let norm: number | undefined;
    for (let cur = sg.operators[root].outputs[0]; norm === undefined;) {
      const r = readers.get(cur) ?? [];
      if (r.length !== 1) return;
      const op = sg.operators[r[0]];
      if (op.opcode === want && dReaders.includes(r[0])) norm = r[0];
      else if (MOVES.has(op.opcode) || (op.opcode === 'MUL' && want === 'MUL' && op.inputs.some((i) => isConst(sg.tensors[i])))) toNorm.push(r[0]);
      else return;
      cur = op.outputs[0];
    }
    const [layer, toX] = backThrough(sg, prod, MOVES, x);
    norms++;
    for (const k of [s, sq, add, root, norm, ...means, ...varMeans, ...toNorm]) out.add(k);
    for (const k of copies) if (sg.operators[sq].inputs.includes(sg.operators[k].outputs[0])) out.add(k);
    if (layer !== undefined && LAYERS.has(sg.operators[layer].opcode)) for (const k of [layer, ...toX]) out.add(k);
  });
  // A network normalized after most of its layers (the style nets: 15 norms, 16 convs) would run float32 through and
  // through: measured on mosaic, no gain (28.6 against 28.7 dB) at 1.06x float32's time instead of 0.83x. Taken only
  // when the norms follow at most half of the model's weighted layers.
  const layers = sg.operators.filter((op) => LAYERS.has(op.opcode)).length;
  return norms * 2 > layers ? new Set() : out;
}

// Per-channel int8 scales through a hard-swish, exactly: PP-LCNetV3's stem (PaddleOCR det / rec) is conv → depthwise
// → hard-swish → 1×1 conv → hard-swish → scalar affine → depthwise, at 320 × 320, and the channels of each tensor in
// those two chains range from 1-2% to 100% of the widest on text pages (25 of 32 under 9% after the 1×1 conv). One
// int8 step per tensor leaves the narrow channels a few levels: fake-quantizing the stem on onnxruntime, per-tensor
// steps read held-out mask IoU 0.79, per-channel steps through both chains 0.935 (docs/model-sweep.md, s25-det3).
// Hard-swish is not positively homogeneous, so the equalization of equalize-conv-depthwise.ts cannot pass it; but
// int8 HARD_SWISH is computed in float anyway (XNNPack has no int8 one: DEQUANTIZE → HARD_SWISH → QUANTIZE,
// int8-hardswish.ts), so the scaling can be undone and redone in float around it:
//   producer (rows · k) → x' ─int8─ MUL(1/k) → HARD_SWISH → MUL(k') ─int8─ [MUL by a scalar, ADD of b·k', zero PAD] → reader (columns / k')
// The producer (a conv or depthwise conv) has its output channel c multiplied by k_c (= r_max / r_c of x, within
// MAX_GAIN), the float island divides it back before the hard-swish and multiplies channel c of its output by k'_c
// (from the ranges of what the reader reads), a scalar ADD between becomes the per-channel b·k', and the reader (a
// conv's input columns, a depthwise's filter channels) divides by k'. The float model computes the same; both int8
// tensors of the chain hold every channel at nearly the full range, as per-channel scales would. The two MULs run in
// float beside the HARD_SWISH that already does (int8-scaled-hardswish.ts keeps the three float). Off by default
// (QuantizeOptions.equalizeHardSwish): PP-OCRv4 det plain int8 guard cosine 0.82 -> 0.97, but the default (search)
// then missed the held-out mask (0.9454 against 0.9823, docs/model-sweep.md s26-det4). Done on the ONNX
// model calibration and GPTQ read (a Mul node inserted on each side of the hard-swish, the same weight changes) and on
// the converted model; the changed values leave the metadata afterwards (forgetOnnxValues), like the other equalizations.
import type { ConvertResult } from '../convert/convert';
import type { Model, Node, Tensor } from '../ir/types';
import { makeTensor, toFloat32 } from '../ir/tensor';
import { node } from '../onnx/builder';
import type { TflOperator, TflTensor } from '../tflite/model';
import { isFloatActivation } from './graph';
import { floatData } from './params';
import { channelRanges, intAttr, pairContext } from './equalize';
import { channelGains } from './equalize-conv-depthwise';

/** A chain is equalized only when some channel of it would be scaled by at least this much (the fake-quantized stem:
 *  groups of channels within 4× of each other held the mask, within 8× did not). */
export const MIN_SPREAD = 4;

interface Chain {
  producer: number; hswish: number; middle: number[]; reader: number;
  /** ONNX: the producer's output (the hard-swish input), the hard-swish output, the value the reader reads. */
  x: string; y: string; last: string;
  producerNode: Node; readerNode: Node; middleNodes: Node[];
}

const isScalar = (t: TflTensor) => t.shape.reduce((a, b) => a * b, 1) === 1;

/** Hard-swish chains equalizable in both models: a conv / depthwise (no fused activation) read only by a HARD_SWISH,
 *  whose output reaches one conv / depthwise through MULs by a scalar, ADDs of a scalar and zero PADs, each read alone. */
export function hardSwishChains(result: ConvertResult, onnx: Model): Chain[] {
  const { sg, t, readers, outputs, nodes, onnxReaders, onnxOutputs, soleConst, soleInit } = pairContext(result, onnx);
  const names = new Map(result.metadata.tensors.map((m) => [m.tflite, m.onnx]));
  const producers = new Map<number, number>();
  sg.operators.forEach((op, k) => op.outputs.forEach((o) => producers.set(o, k)));
  const sole = (y: number) => {
    const r = readers.get(y) ?? [];
    return r.length === 1 && !outputs.has(y) && isFloatActivation(t[y]) ? r[0] : -1;
  };
  const convLike = (op: TflOperator) => (op.opcode === 'CONV_2D' || (op.opcode === 'DEPTHWISE_CONV_2D' && (op.options?.depthMultiplier ?? 1) === 1))
    && soleConst(op.inputs[1]);
  const chains: Chain[] = [];
  sg.operators.forEach((h, k) => {
    if (h.opcode !== 'HARD_SWISH') return;
    const p = producers.get(h.inputs[0]);
    if (p === undefined || sole(h.inputs[0]) !== k) return;
    const prod = sg.operators[p];
    if (!convLike(prod) || (prod.options?.fusedActivationFunction ?? 'NONE') !== 'NONE') return;
    if (prod.inputs[2] !== undefined && prod.inputs[2] >= 0 && !soleConst(prod.inputs[2])) return;
    const middle: number[] = [];
    let v = h.outputs[0];
    let r = sole(v);
    let last = names.get(v);
    for (; r >= 0; r = sole(v)) {
      const op = sg.operators[r];
      const other = op.inputs.find((i) => i !== v);
      if (op.opcode === 'PAD' && op.inputs.length === 2 && op.inputs[0] === v) {
        // converter-made (the reader's ONNX pads): the ONNX value read stays the one before
      } else if ((op.opcode === 'MUL' || op.opcode === 'ADD') && op.inputs.length === 2 && other !== undefined && soleConst(other) && isScalar(t[other])
        && (op.options?.fusedActivationFunction ?? 'NONE') === 'NONE' && names.has(op.outputs[0])) {
        last = names.get(op.outputs[0]);
      } else break;
      middle.push(r);
      v = op.outputs[0];
    }
    if (r < 0) return;
    const reader = sg.operators[r];
    if (!convLike(reader) || reader.inputs[0] !== v) return;
    const x = names.get(h.inputs[0]), y = names.get(h.outputs[0]);
    const producerNode = nodes.get(prod.onnxNode ?? ''), readerNode = nodes.get(reader.onnxNode ?? '');
    if (!x || !y || !last || !producerNode || !readerNode || producerNode.opType !== 'Conv' || readerNode.opType !== 'Conv') return;
    const C = t[h.inputs[0]].shape[t[h.inputs[0]].shape.length - 1];
    const wp = onnx.graph.initializers.get(producerNode.inputs[1]), wr = onnx.graph.initializers.get(readerNode.inputs[1]);
    const groupsOk = (n: Node, w: Tensor | undefined, dw: boolean) => (dw ? intAttr(n, 'group', 1) === C && w?.dims[0] === C : intAttr(n, 'group', 1) === 1);
    if (producerNode.outputs[0] !== x || !groupsOk(producerNode, wp, prod.opcode === 'DEPTHWISE_CONV_2D') || wp?.dims[0] !== C) return;
    if (readerNode.inputs[0] !== last || !groupsOk(readerNode, wr, reader.opcode === 'DEPTHWISE_CONV_2D') || (reader.opcode === 'CONV_2D' && wr?.dims[1] !== C)) return;
    if (!soleInit(producerNode.inputs[1]) || (producerNode.inputs[2] && !soleInit(producerNode.inputs[2])) || !soleInit(readerNode.inputs[1])) return;
    if (onnxOutputs.has(x) || onnxOutputs.has(y)) return;
    // The ONNX Mul / Add between: one node each, by a scalar initializer, in the same chain of values.
    const middleNodes: Node[] = [];
    let cur = y;
    for (const m of middle) {
      const op = sg.operators[m];
      if (op.opcode === 'PAD') continue;
      const n = nodes.get(op.onnxNode ?? '');
      const out = names.get(op.outputs[0])!;
      if (!n || n.opType !== (op.opcode === 'MUL' ? 'Mul' : 'Add') || n.outputs[0] !== out || !n.inputs.includes(cur) || onnxReaders.get(cur) !== 1) return;
      const c = n.inputs.find((i) => i !== cur);
      const init = c ? onnx.graph.initializers.get(c) : undefined;
      if (!init || init.dims.reduce((a, b) => a * b, 1) !== 1 || (op.opcode === 'ADD' && !soleInit(c))) return;
      middleNodes.push(n);
      cur = out;
    }
    if (cur !== last) return;
    chains.push({ producer: p, hswish: k, middle, reader: r, x, y, last, producerNode, readerNode, middleNodes });
  });
  return chains;
}

const setFloats = (t: TflTensor, v: Float32Array) => { t.data = new Uint8Array(v.buffer.slice(0)); };

/** Equalizes every chain whose channels spread at least MIN_SPREAD, in place in both models. Returns how many and the
 *  ONNX values whose values changed or are new (for forgetOnnxValues once calibration and GPTQ are done). */
export async function equalizeHardSwish(result: ConvertResult, onnx: Model, samples: Tensor[][], first = Infinity): Promise<{ names: Set<string>; chains: number }> {
  const changed = new Set<string>();
  const chains = samples.length ? hardSwishChains(result, onnx).slice(0, first) : [];
  if (chains.length === 0) return { names: changed, chains: 0 };
  const ranges = await channelRanges(onnx, [...new Set(chains.flatMap((c) => [c.x, c.last]))], samples);
  const sg = result.model.subgraphs[0];
  const t = sg.tensors;
  const init = onnx.graph.initializers;
  const inserted = new Map<number, { before: TflOperator; after: TflOperator }>();
  const perm = new Map(result.metadata.tensors.map((m) => [m.tflite, m.perm]));
  const replace = (name: string, scale: (v: number, i: number) => number) => {
    const old = init.get(name)!;
    init.set(name, makeTensor(name, 'float32', old.dims, toFloat32(old).map(scale)));
  };
  const constant = (name: string, v: Float32Array): number => {
    t.push({ name, type: 'FLOAT32', shape: [v.length], data: new Uint8Array(v.buffer.slice(0)) });
    return t.length - 1;
  };
  for (const ch of chains) {
    const k = channelGains(ranges.get(ch.x)!), kk = channelGains(ranges.get(ch.last)!);
    if (Math.max(...k, ...kk) < MIN_SPREAD) continue;
    const h = sg.operators[ch.hswish], prod = sg.operators[ch.producer], reader = sg.operators[ch.reader];
    const C = k.length;
    // TFLite producer: conv filter [O, kh, kw, I] rows / depthwise [1, kh, kw, C] channels, and the bias, times k.
    const wp = floatData(t[prod.inputs[1]]);
    const rowOf = prod.opcode === 'CONV_2D' ? (i: number) => Math.floor(i / (wp.length / C)) : (i: number) => i % C;
    setFloats(t[prod.inputs[1]], wp.map((v, i) => v * k[rowOf(i)]));
    if (prod.inputs[2] !== undefined && prod.inputs[2] >= 0) setFloats(t[prod.inputs[2]], floatData(t[prod.inputs[2]]).map((v, c) => v * k[c]));
    // TFLite reader: conv columns [O, kh, kw, C] / depthwise filter channels, over k'.
    setFloats(t[reader.inputs[1]], floatData(t[reader.inputs[1]]).map((v, i) => v / kk[i % C]));
    // The scalar ADDs between become per-channel b·k'.
    for (const m of ch.middle) {
      const op = sg.operators[m];
      if (op.opcode !== 'ADD') continue;
      const at = op.inputs.findIndex((i) => i >= 0 && t[i].data !== undefined && isScalar(t[i]));
      const b = floatData(t[op.inputs[at]])[0];
      op.inputs[at] = constant(`${t[op.inputs[at]].name}/equalized`, Float32Array.from(kk, (g) => b * g));
    }
    // The float island around the HARD_SWISH.
    const x = h.inputs[0], y = h.outputs[0];
    t.push({ name: `${t[x].name}/unscaled`, type: 'FLOAT32', shape: [...t[x].shape] });
    const xu = t.length - 1;
    t.push({ name: `${t[y].name}/scaled`, type: 'FLOAT32', shape: [...t[y].shape] });
    const ys = t.length - 1;
    const inv = constant(`${t[x].name}/unscale`, Float32Array.from(k, (g) => 1 / g));
    const fwd = constant(`${t[y].name}/scale`, Float32Array.from(kk));
    for (const m of [...ch.middle, ch.reader]) sg.operators[m].inputs = sg.operators[m].inputs.map((i) => (i === y ? ys : i));
    h.inputs = [xu];
    const opts = { fusedActivationFunction: 'NONE' };
    inserted.set(ch.hswish, { before: { opcode: 'MUL', inputs: [x, inv], outputs: [xu], options: opts, onnxNode: h.onnxNode },
      after: { opcode: 'MUL', inputs: [y, fwd], outputs: [ys], options: { ...opts }, onnxNode: h.onnxNode } });
    // ONNX: the same weight changes (ONNX layouts: conv W [O, I, kh, kw], depthwise [C, 1, kh, kw]).
    const pInner = init.get(ch.producerNode.inputs[1])!.dims.slice(1).reduce((a, b) => a * b, 1);
    replace(ch.producerNode.inputs[1], (v, i) => v * k[Math.floor(i / pInner)]);
    if (ch.producerNode.inputs[2]) replace(ch.producerNode.inputs[2], (v, c) => v * k[c]);
    const rw = init.get(ch.readerNode.inputs[1])!;
    const rInner = rw.dims.slice(2).reduce((a, b) => a * b, 1);
    const dwReader = reader.opcode === 'DEPTHWISE_CONV_2D';
    replace(ch.readerNode.inputs[1], (v, i) => v / kk[dwReader ? Math.floor(i / rInner) : Math.floor(i / rInner) % C]);
    for (const n of ch.middleNodes) {
      if (n.opType !== 'Add') continue;
      const at = n.inputs.findIndex((i) => init.has(i));
      const b = toFloat32(init.get(n.inputs[at])!)[0];
      const name = `${n.inputs[at]}/equalized`;
      init.set(name, makeTensor(name, 'float32', [1, C, 1, 1], Float32Array.from(kk, (g) => b * g)));
      n.inputs[at] = name;
    }
    // ONNX Mul nodes: x → Mul(1/k) → x/unscaled (what the hard-swish reads), y → Mul(k') → y/scaled (what follows reads).
    const xu1 = `${ch.x}/unscaled`, ys1 = `${ch.y}/scaled`;
    init.set(`${ch.x}/unscale`, makeTensor(`${ch.x}/unscale`, 'float32', [1, C, 1, 1], Float32Array.from(k, (g) => 1 / g)));
    init.set(`${ch.y}/scale`, makeTensor(`${ch.y}/scale`, 'float32', [1, C, 1, 1], Float32Array.from(kk)));
    const nodes = onnx.graph.nodes;
    for (const n of nodes) {
      if (n === ch.producerNode) continue;
      n.inputs = n.inputs.map((i) => (i === ch.x ? xu1 : i === ch.y ? ys1 : i));
    }
    nodes.splice(nodes.indexOf(ch.producerNode) + 1, 0, node('Mul', [ch.x, `${ch.x}/unscale`], [xu1], {}, `${ch.x}/unscale`));
    const yAt = nodes.findIndex((n) => n.outputs.includes(ch.y));
    // the hard-swish's own nodes read x/unscaled now; y's readers read y/scaled (but not the new Mul itself)
    nodes.splice(yAt + 1, 0, node('Mul', [ch.y, `${ch.y}/scale`], [ys1], {}, `${ch.y}/scale`));
    for (const [name, like] of [[xu1, ch.x], [ys1, ch.y]] as const) {
      const vi = onnx.graph.values.get(like);
      if (vi) onnx.graph.values.set(name, { ...vi, name });
    }
    result.metadata.tensors.push({ onnx: xu1, tflite: xu, perm: perm.get(x) ?? [0, 2, 3, 1] }, { onnx: ys1, tflite: ys, perm: perm.get(y) ?? [0, 2, 3, 1] });
    changed.add(ch.x).add(xu1).add(ys1);
    for (const n of ch.middleNodes) changed.add(n.outputs[0]);
  }
  if (inserted.size) sg.operators = sg.operators.flatMap((op, i) => {
    const ins = inserted.get(i);
    return ins ? [ins.before, op, ins.after] : [op];
  });
  return { names: changed, chains: inserted.size };
}

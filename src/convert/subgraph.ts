// Converting a list of ONNX nodes into a TFLite subgraph: one node (convertNode), the graph's outputs (outputTensors),
// and whole control-flow bodies (convertBody: If branches, Loop bodies) that become subgraphs 1, 2, ... of the model.
// Inside a body every input and output stays in ONNX layout; the layout pass works as usual between them.
import type { Graph, Node } from '../ir/types';
import { ModelError } from '../ir/types';
import type { TflSubgraph } from '../tflite/model';
import { BodySpec, ConvertContext } from './context';
import { collapseReshapes, pruneUnused } from './fuse';
import { channelLast, identity, reshapeFoldsIntoBatch, reshapeKeepsOnnxInput, samePerm } from './layout';
import { outerReads } from './control-flow';
import { lookupConverter, refusalOf, unsupportedRefusal } from './registry';
import { ConvertError } from './types';
import { producerOf } from './elementwise-layout';

const RESHAPES = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze']);

/** Values that flow (through layout-agnostic ops) into the data input of a spatial op; `shapeOf` gives static dims. */
export function channelLastHints(nodes: Node[], shapeOf?: (name: string) => number[] | undefined): Set<string> {
  const want = new Set<string>();
  // Values that reach a 1-D conv's input through the model's own [0, 2, 1] Transpose: their ONNX order is that conv's
  // channel-last. One also wanted channel-last directly (SCINet's normalised series: split into even / odd steps moved
  // channels-first into the interactors' convs, and added back into a conv over its time axis) is left to the vote.
  const viaTranspose = new Set<string>();
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i];
    const conv = lookupConverter(n, 0);
    if (!conv) continue;
    if (n.opType === 'Transpose' && want.has(n.outputs[0]) && samePerm((n.attrs.get('perm')?.value as number[] | undefined) ?? [], [0, 2, 1])) {
      viaTranspose.add(n.inputs[0]);
    } else if ((conv.layout === 'any' || conv.layout === 'axis') && n.opType !== 'Transpose' && n.outputs.some((o) => viaTranspose.has(o))) {
      for (const inp of n.inputs) if (inp) viaTranspose.add(inp);
    }
    if (conv.layout === 'spatial') {
      if (n.inputs[0]) want.add(n.inputs[0]);
    } else if (n.opType === 'If') {
      // Outer values an If branch feeds to spatial ops (IF passes them in the layout they have).
      for (const a of n.attrs.values()) {
        if (a.type !== 'graph') continue;
        const inner = channelLastHints(a.value.nodes);
        for (const r of outerReads(a.value)) if (inner.has(r)) want.add(r);
      }
    } else if (RESHAPES.has(n.opType) && want.has(n.outputs[0]) && shapeOf
      && (reshapeKeepsOnnxInput(shapeOf(n.inputs[0]), shapeOf(n.outputs[0])) || reshapeFoldsIntoBatch(shapeOf(n.inputs[0]), shapeOf(n.outputs[0])))) {
      const src = movedIntoBatch(nodes, n, shapeOf);
      if (src) want.add(src);
      continue;
    } else if ((conv.layout === 'any' || conv.layout === 'axis') && n.opType !== 'Transpose' && n.outputs.some((o) => want.has(o))
      && !dropsLeadingAxis(n, shapeOf)) {
      // Not through a Transpose: channel-last after it is another order before it (Conformer's [T, B, C] → [B, C, T]
      // before its Conv1d would make the model input [B, C, T]).
      for (const inp of n.inputs) if (inp) want.add(inp);
    }
  }
  for (const v of viaTranspose) want.delete(v);
  return want;
}

/**
 * A Gather of one index along the batch or channel axis: its output's channel is another axis of its input, so the
 * input's channel-last is not the output's (UniVNet's per-layer kernels and biases `bias[:, i]` of a predictor's
 * [B, layers, C, L] view: wanted channel-last, the view was moved layers-last before each layer's slice).
 */
function dropsLeadingAxis(n: Node, shapeOf?: (name: string) => number[] | undefined): boolean {
  if (n.opType !== 'Gather' || !shapeOf) return false;
  const r = shapeOf(n.inputs[0])?.length;
  const ro = shapeOf(n.outputs[0])?.length;
  const a = (n.attrs.get('axis')?.value as number | undefined) ?? 0;
  return r !== undefined && ro !== undefined && ro < r && (a + r) % r < 2;
}

/**
 * A clip [N, C, T, H, W] the model moves frames-first and folds into the batch for a 2-D conv (TimeSformer's
 * `x.transpose(1, 2).reshape(N·T, C, H, W)`): stored channel-last (NDHWC), the move and the fold are a RESHAPE of
 * the channel-last frames. Returns that Transpose's input, else undefined.
 */
function movedIntoBatch(nodes: Node[], reshape: Node, shapeOf: (name: string) => number[] | undefined): string | undefined {
  const t = nodes.find((m) => m.opType === 'Transpose' && m.outputs[0] === reshape.inputs[0]);
  const perm = t?.attrs.get('perm')?.value as number[] | undefined;
  const inDims = shapeOf(reshape.inputs[0]);
  if (!t || !perm || !inDims || !reshapeFoldsIntoBatch(inDims, shapeOf(reshape.outputs[0]))) return undefined;
  // The folded value's channel-last order: its leading (batch) dims, then the output's spatial dims, then its channel.
  const lead = inDims.length - (shapeOf(reshape.outputs[0])!.length - 1);
  const order = [...Array.from({ length: lead }, (_, i) => i), ...Array.from({ length: inDims.length - lead - 1 }, (_, i) => lead + 1 + i), lead];
  const srcOrder = order.map((d) => perm[d]);
  return srcOrder.every((d, i) => d === channelLast(perm.length)[i]) ? t.inputs[0] : undefined;
}

export function convertNode(ctx: ConvertContext, node: Node, opset: number): void {
  ctx.current = node;
  // Folded away: every output is a known constant.
  if (node.outputs.every((o) => !o || ctx.constants.has(o))) return;
  const conv = lookupConverter(node, opset);
  if (!conv) {
    const r = unsupportedRefusal(node, opset);
    throw new ConvertError(r.message, node.name, r.code);
  }
  const why = refusalOf(conv, node, ctx);
  if (why) throw new ConvertError(why.message, node.name, why.code);
  try {
    conv.convert(node, ctx);
  } catch (e) {
    if (e instanceof ModelError) throw e;
    throw new ConvertError(`${node.opType} conversion failed: ${(e as Error).message}`, node.name, 'internal');
  }
  ctx.current = undefined;
}

/**
 * The tensor of a graph output in layout `perm`. TFLite outputs must be distinct computed tensors: an input, a
 * repeated output or a constant is copied (a RESHAPE to its own shape; a same-type CAST for a constant: LiteRT
 * computes RESHAPE of a constant at prepare time into a buffer that the output does not see).
 */
export function outputTensor(ctx: ConvertContext, name: string, perm: number[], taken: number[]): number {
  // A move or copy made here serves the node that produced the output: each TFLite op remembers its ONNX node (Spleeter's
  // stems, stored [S, B, T, F, C] and moved to the output's ONNX order, had a TRANSPOSE of no node).
  const prev = ctx.current;
  ctx.current = prev ?? producerOf(ctx, ctx.resolve(name)) ?? producerOf(ctx, name);
  try {
    return outputCopy(ctx, name, perm, taken);
  } finally {
    ctx.current = prev;
  }
}

function outputCopy(ctx: ConvertContext, name: string, perm: number[], taken: number[]): number {
  let idx = ctx.input(name, perm);
  if (taken.includes(idx) || ctx.tensors[idx].data) {
    const t = ctx.tensors[idx];
    const copy = ctx.temp(t.shapeSignature ?? t.shape, t.type, `${name}__out`);
    // A tensor sized at run time is copied by CAST too (RESHAPE would need its shape).
    if (t.data || t.shapeSignature) ctx.emit('CAST', [idx], [copy]);
    else ctx.emit('RESHAPE', [idx, ctx.constInt32(t.shape, `${name}__outshape`)], [copy], { newShape: t.shape });
    idx = copy;
  }
  return idx;
}

/** Converts an ONNX body into a new TFLite subgraph of the model and returns its index. */
export function convertBody(parent: ConvertContext, body: Graph, spec: BodySpec): number {
  const values = new Map(parent.graph.values);
  for (const [k, v] of body.values) values.set(k, v);
  for (const [k, t] of body.initializers) if (!parent.constants.has(k)) parent.constants.set(k, t);
  const g: Graph = { ...body, values };
  const ctx = new ConvertContext(g, parent.constants, parent.opset, channelLastHints(g.nodes));
  ctx.subgraphs = parent.subgraphs;
  ctx.bodyConverter = parent.bodyConverter;
  const inputs = spec.inputs.map((n, k) => ctx.output(n, spec.inputPerms?.[k] ?? identity(ctx.rank(n))));
  for (const node of g.nodes) convertNode(ctx, node, parent.opset);
  const outputs: number[] = [];
  spec.outputs.forEach((o, k) => {
    if (!ctx.has(o)) throw new ConvertError(`output "${o}" of ${spec.name} was not produced`);
    let perm = spec.outputPerms ? spec.outputPerms[k] : identity(ctx.rank(o));
    if (!perm) {
      const have = ctx.isConstant(o) && !ctx.primaryOf(o) ? identity(ctx.rank(o)) : ctx.permOf(o);
      perm = have.length >= 3 && have.join() === channelLast(have.length).join() ? have : identity(have.length);
      spec.outputPerms![k] = perm;
    }
    outputs.push(outputTensor(ctx, o, perm, [...inputs, ...outputs]));
  });
  const io = spec.wrap ? spec.wrap(ctx, inputs, outputs) : { inputs, outputs };
  collapseReshapes(ctx, new Set([...io.inputs, ...io.outputs]));
  const remap = pruneUnused(ctx, io.inputs, io.outputs);
  const sg: TflSubgraph = {
    name: spec.name, tensors: ctx.tensors, operators: ctx.operators,
    inputs: io.inputs.map((i) => remap.get(i)!), outputs: io.outputs.map((i) => remap.get(i)!),
  };
  parent.warnings.push(...ctx.warnings);
  parent.subgraphs.push(sg);
  return parent.subgraphs.length;
}

/**
 * Gives each graph output's tensor the graph's own output name when it carries another (an inlined If branch's
 * value, `t_logits` for `logits`; the signature is written from tensor names). A tensor that already has that name
 * and is no output (the value in its stored order, moved to ONNX order for the output) is renamed `NAME__stored`.
 */
export function nameOutputs(tensors: { name: string }[], outputs: number[], names: string[]): void {
  const taken = new Set(tensors.map((t) => t.name));
  const isOutput = new Set(outputs.map((i) => tensors[i]));
  outputs.forEach((idx, k) => {
    const t = tensors[idx];
    if (!t || t.name === names[k]) return;
    // The value in its stored order (an output moved to ONNX order at the end: a streaming conv cache) yields the name.
    const inner = taken.has(names[k]) ? tensors.find((u) => u.name === names[k] && !isOutput.has(u)) : undefined;
    if (inner && !taken.has(`${names[k]}__stored`)) {
      inner.name = `${names[k]}__stored`;
      taken.add(inner.name);
      taken.delete(names[k]);
    }
    if (taken.has(names[k])) return;
    taken.delete(t.name);
    t.name = names[k];
    taken.add(t.name);
  });
}

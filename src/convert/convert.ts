// ONNX model → TFLite model: shape inference and folding, graph clean-up, the layout pass with per-op
// converters from the registry, activation fusion, and the `onnx2lite` metadata.
import type { Model, Node, Tensor } from '../ir/types';
import { ModelError, isStaticShape } from '../ir/types';
import { inferShapes } from '../ir/shapes/index';
import type { TflModel } from '../tflite/model';
import { ConvertContext } from './context';
import { Perm, channelLast, identity, isIdentity } from './layout';
import { buildMetadata, OnnxLiteMetadata } from './metadata';
import { lookupConverter, refusalOf, unsupportedRefusal } from './registry';
import { simplifyGraph } from './simplify';
import { collapseReshapes, explicitBiases, foldBiasAdds, fuseActivations, pruneUnused } from './fuse';
import { ConvertError, ConvertOptions } from './types';

export interface ConvertResult {
  model: TflModel;
  metadata: OnnxLiteMetadata;
  warnings: string[];
  opHistogram: Record<string, number>;
  transposeCount: number;
}

/** Names each input with symbolic dims and the option that fixes them. */
export function checkStaticInputs(model: Model): void {
  const bad = model.graph.inputs.filter((i) => !isStaticShape(model.graph.values.get(i.name)?.shape ?? i.shape));
  if (bad.length === 0) return;
  const parts = bad.map((i) => {
    const s = model.graph.values.get(i.name)?.shape ?? i.shape;
    if (!s) return `input "${i.name}" has an unknown rank`;
    const dyn = s.filter((d) => typeof d === 'string');
    return `input "${i.name}" has dynamic dims [${s.join(', ')}] (${dyn.map((d) => `\`${d}\``).join(', ')})`;
  });
  const fixable = bad.filter((i) => model.graph.values.get(i.name)?.shape ?? i.shape);
  if (fixable.length === 0) throw new ModelError(`${parts.join('; ')}: only tensor inputs with a known rank can be converted`);
  const example = fixable.map((i) => {
    const s = model.graph.values.get(i.name)?.shape ?? i.shape ?? [];
    return `--input-shape ${i.name}=${s.map((d) => (typeof d === 'number' ? d : 1)).join(',')}`;
  }).join(' ');
  throw new ModelError(`${parts.join('; ')}: fix them with ${example}`);
}

/** LiteRT cannot allocate or feed tensors with no elements: an input with a zero dim is refused up front. */
function checkNonEmptyInputs(model: Model): void {
  for (const i of model.graph.inputs) {
    const s = model.graph.values.get(i.name)?.shape ?? i.shape;
    if (s?.includes(0)) throw new ModelError(`input "${i.name}" has shape [${s.join(', ')}] with no elements; LiteRT cannot run empty tensors: give it a non-zero size`);
  }
}

/** Values that flow (through layout-agnostic ops) into the data input of a spatial op. */
function channelLastHints(nodes: Node[]): Set<string> {
  const want = new Set<string>();
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i];
    const conv = lookupConverter(n, 0);
    if (!conv) continue;
    if (conv.layout === 'spatial') {
      if (n.inputs[0]) want.add(n.inputs[0]);
    } else if ((conv.layout === 'any' || conv.layout === 'axis') && n.outputs.some((o) => want.has(o))) {
      for (const inp of n.inputs) if (inp) want.add(inp);
    }
  }
  return want;
}

export function convertModel(model: Model, opts: ConvertOptions = {}): ConvertResult {
  const { constants } = inferShapes(model, { inputShapes: opts.inputShapes });
  for (const [name, t] of model.graph.initializers) if (!constants.has(name)) constants.set(name, t);
  checkStaticInputs(model);
  checkNonEmptyInputs(model);
  const opset = model.opsets.get('') ?? 0;
  // Work on a copy of the node list: clean-up rewrites nodes, and the caller's model stays as it was read.
  const g = { ...model.graph, nodes: model.graph.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs] })) };
  simplifyGraph(g, constants);
  const ctx = new ConvertContext(g, constants, opset, channelLastHints(g.nodes));

  const inputs: number[] = [];
  for (const inp of g.inputs) {
    const rank = ctx.rank(inp.name);
    const perm = !opts.keepNchw && rank >= 3 && ctx.prefersChannelLast.has(inp.name) ? channelLast(rank) : identity(rank);
    inputs.push(ctx.output(inp.name, perm));
  }

  for (const node of g.nodes) convertNode(ctx, node, opset);

  const outputs: number[] = [];
  const outputPerms: Perm[] = [];
  for (const out of g.outputs) {
    if (!ctx.has(out.name)) throw new ConvertError(`graph output "${out.name}" was not produced`, undefined, 'internal');
    let perm = ctx.isConstant(out.name) && !ctx.primaryOf(out.name) ? identity(ctx.rank(out.name)) : ctx.permOf(out.name);
    const rank = perm.length;
    if (opts.keepNchw || !(isIdentity(perm) || (rank >= 3 && perm.join() === channelLast(rank).join()))) perm = identity(rank);
    let idx = ctx.input(out.name, perm);
    if (inputs.includes(idx) || outputs.includes(idx) || ctx.tensors[idx].data) {
      // TFLite outputs must be distinct computed tensors: copy through a RESHAPE to its own shape. A constant is
      // copied by a same-type CAST instead: LiteRT computes RESHAPE of a constant at prepare time into a buffer
      // that the output does not see (the model returns zeros).
      const t = ctx.tensors[idx];
      const copy = ctx.temp(t.shape, t.type, `${out.name}__out`);
      if (t.data) ctx.emit('CAST', [idx], [copy]);
      else ctx.emit('RESHAPE', [idx, ctx.constInt32(t.shape, `${out.name}__outshape`)], [copy], { newShape: t.shape });
      idx = copy;
    }
    outputs.push(idx);
    outputPerms.push(perm);
  }

  const empty = ctx.tensors.find((t) => !t.data && t.shape.includes(0));
  if (empty) {
    throw new ModelError(`tensor "${empty.name}" has shape [${empty.shape.join(', ')}] with no elements; LiteRT cannot run empty tensors`);
  }
  const keep = new Set([...inputs, ...outputs]);
  collapseReshapes(ctx, keep);
  foldBiasAdds(ctx, keep);
  explicitBiases(ctx);
  fuseActivations(ctx, keep);
  const remap = pruneUnused(ctx, inputs, outputs);
  const mapIdx = (i: number) => remap.get(i) ?? -1;

  const metadata = buildMetadata(ctx, g, opts.source ?? model.path ?? 'model.onnx', remap,
    g.inputs.map((v, k) => ({ name: v.name, index: mapIdx(inputs[k]), perm: ctx.permOf(v.name) })),
    g.outputs.map((v, k) => ({ name: v.name, index: mapIdx(outputs[k]), perm: outputPerms[k] })));

  const opHistogram: Record<string, number> = {};
  for (const op of ctx.operators) opHistogram[op.opcode] = (opHistogram[op.opcode] ?? 0) + 1;
  const tflite: TflModel = {
    version: 3,
    description: `onnx2lite ${process.env.ONNX2LITE_VERSION ?? '0.1.0'}`,
    subgraphs: [{
      name: g.name || 'main',
      tensors: ctx.tensors,
      operators: ctx.operators,
      inputs: inputs.map(mapIdx),
      outputs: outputs.map(mapIdx),
    }],
    metadata: new Map([['onnx2lite', new TextEncoder().encode(JSON.stringify(metadata))]]),
  };
  return { model: tflite, metadata, warnings: ctx.warnings, opHistogram, transposeCount: opHistogram.TRANSPOSE ?? 0 };
}

function convertNode(ctx: ConvertContext, node: Node, opset: number): void {
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

export type { Tensor };

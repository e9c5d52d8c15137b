// The model summary that `onnx2lite inspect` prints and other commands and checks read (a stable JSON shape).
import { elementCount } from '../ir/types';
import type { Graph, Model, Shape } from '../ir/types';
import { bytesPerElement } from '../ir/tensor';

export interface ModelSummary {
  file?: string;
  producer: string;
  producerVersion: string;
  irVersion: number;
  opsets: Record<string, number>;
  inputs: { name: string; dtype: string | null; shape: Shape | null }[];
  outputs: { name: string; dtype: string | null; shape: Shape | null }[];
  nodeCount: number;
  opHistogram: Record<string, number>;
  parameterCount: number;
  parameterBytes: number;
  initializerCount: number;
  subgraphCount: number;
  /** Shape inference's warnings (ops it does not know, shapes that do not fit). */
  warnings: string[];
}

function forEachSubgraph(g: Graph, fn: (g: Graph) => void): void {
  for (const n of g.nodes) {
    for (const a of n.attrs.values()) {
      const subs = a.type === 'graph' ? [a.value] : a.type === 'graphs' ? a.value : [];
      for (const s of subs) { fn(s); forEachSubgraph(s, fn); }
    }
  }
}

export function summarize(model: Model, warnings: string[] = []): ModelSummary {
  const g = model.graph;
  const opHistogram: Record<string, number> = {};
  for (const n of g.nodes) {
    const key = n.domain ? `${n.domain}.${n.opType}` : n.opType;
    opHistogram[key] = (opHistogram[key] ?? 0) + 1;
  }
  let parameterCount = 0;
  let parameterBytes = 0;
  for (const t of g.initializers.values()) {
    const n = elementCount(t.dims);
    parameterCount += n;
    parameterBytes += t.dtype === 'string' ? 0 : n * bytesPerElement(t.dtype);
  }
  let subgraphCount = 0;
  forEachSubgraph(g, () => subgraphCount++);
  const opsets: Record<string, number> = {};
  for (const [d, v] of model.opsets) opsets[d === '' ? 'ai.onnx' : d] = v;
  const io = (v: { name: string; dtype?: string; shape?: Shape }) => {
    const known = g.values.get(v.name);
    return { name: v.name, dtype: known?.dtype ?? v.dtype ?? null, shape: known?.shape ?? v.shape ?? null };
  };
  return {
    file: model.path,
    producer: model.producerName,
    producerVersion: model.producerVersion,
    irVersion: model.irVersion,
    opsets,
    inputs: g.inputs.map(io),
    outputs: g.outputs.map(io),
    nodeCount: g.nodes.length,
    opHistogram,
    parameterCount,
    parameterBytes,
    initializerCount: g.initializers.size,
    subgraphCount,
    warnings,
  };
}

function fmtShape(s: Shape | null): string {
  return s ? `[${s.join(', ')}]` : '(unknown)';
}

function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function formatSummary(s: ModelSummary): string {
  const lines: string[] = [];
  if (s.file) lines.push(`Model:      ${s.file}`);
  lines.push(`Producer:   ${s.producer || '(unknown)'} ${s.producerVersion}`.trimEnd());
  lines.push(`IR version: ${s.irVersion}`);
  lines.push(`Opsets:     ${Object.entries(s.opsets).map(([d, v]) => `${d} ${v}`).join(', ')}`);
  lines.push('Inputs:');
  for (const i of s.inputs) lines.push(`  ${i.name}  ${i.dtype ?? '?'} ${fmtShape(i.shape)}`);
  lines.push('Outputs:');
  for (const o of s.outputs) lines.push(`  ${o.name}  ${o.dtype ?? '?'} ${fmtShape(o.shape)}`);
  lines.push(`Nodes:      ${s.nodeCount}${s.subgraphCount ? ` (+ ${s.subgraphCount} subgraphs)` : ''}`);
  lines.push(`Parameters: ${s.parameterCount.toLocaleString('en-US')} (${fmtBytes(s.parameterBytes)} in ${s.initializerCount} initializers)`);
  lines.push('Ops:');
  const ops = Object.entries(s.opHistogram).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  for (const [op, n] of ops) lines.push(`  ${String(n).padStart(6)}  ${op}`);
  if (s.warnings.length) {
    lines.push(`Warnings (${s.warnings.length}):`);
    for (const w of s.warnings.slice(0, 20)) lines.push(`  ${w}`);
    if (s.warnings.length > 20) lines.push(`  ... and ${s.warnings.length - 20} more`);
  }
  return lines.join('\n');
}

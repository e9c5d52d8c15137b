// The compact text table of `onnx2lite compare`: layers in topological order with the worst ones marked.
// Long reports keep the lines that matter (the first divergence and its neighbours, other jumps, the worst layers,
// the first and last layers) and fold the runs in between into one "… n layers …" line.
import type { CompareReport, ComparisonResult, LayerResult } from './types';

const WORST = 5;
const FULL_UP_TO = 40;

export function fmt(v: number, digits = 2): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e4 ? v.toPrecision(digits + 1) : v.toExponential(digits);
}

/** Indices of the worst layers by SNR (lowest first). */
export function worstLayers(layers: LayerResult[], n = WORST): Set<number> {
  return new Set(layers.map((l, i) => [l.snrDb, i] as const).sort((a, b) => a[0] - b[0]).slice(0, n)
    .filter(([snr]) => snr < 200).map(([, i]) => i));
}

function clip(s: string, n: number): string {
  return s.length <= n ? s.padEnd(n) : '…' + s.slice(s.length - n + 1);
}

function row(i: number | string, l: LayerResult, mark: string): string {
  return `${String(i).padStart(5)}  ${clip(l.node, 44)}  ${clip(l.op, 18)} ${fmt(l.maxAbs).padStart(9)} ${fmt(l.rel).padStart(9)} ${fmt(l.cosine, 5).padStart(8)} ${fmt(l.snrDb, 3).padStart(7)}  ${mark}`;
}

export function comparisonTable(c: ComparisonResult, all = false): string[] {
  const lines: string[] = [];
  lines.push(`${'#'.padStart(5)}  ${'node'.padEnd(44)}  ${'op'.padEnd(18)} ${'maxAbs'.padStart(9)} ${'rel'.padStart(9)} ${'cosine'.padStart(8)} ${'snrDb'.padStart(7)}`);
  const worst = worstLayers(c.layers);
  const firstIdx = c.firstDivergence ? c.layers.findIndex((l) => l.tensor === c.firstDivergence!.tensor) : -1;
  const keep = new Set<number>();
  const n = c.layers.length;
  if (all || n <= FULL_UP_TO) for (let i = 0; i < n; i++) keep.add(i);
  else {
    for (const i of [0, 1, 2, n - 3, n - 2, n - 1]) if (i >= 0 && i < n) keep.add(i);
    for (const i of worst) keep.add(i);
    for (let i = Math.max(0, firstIdx - 2); firstIdx >= 0 && i <= Math.min(n - 1, firstIdx + 2); i++) keep.add(i);
    c.layers.forEach((l, i) => { if (l.jump) keep.add(i); });
  }
  let skipped = 0;
  c.layers.forEach((l, i) => {
    if (!keep.has(i)) { skipped++; return; }
    if (skipped) { lines.push(`${''.padStart(5)}  … ${skipped} layer${skipped > 1 ? 's' : ''} …`); skipped = 0; }
    const marks = [i === firstIdx ? '◀ first divergence' : l.jump ? '◀ jump' : '', worst.has(i) ? '▲ worst' : ''].filter(Boolean);
    lines.push(row(i + 1, l, marks.join(' ')));
  });
  if (skipped) lines.push(`${''.padStart(5)}  … ${skipped} layer${skipped > 1 ? 's' : ''} …`);
  for (const o of c.outputs) lines.push(row('out', o, ''));
  return lines;
}

function summary(c: ComparisonResult, perLayer = true): string {
  const fd = c.firstDivergence;
  const cov = perLayer ? `${c.coverage.covered}/${c.coverage.nodes} nodes (${c.coverage.percent}%)` : 'at the outputs only';
  const worstOut = c.outputs.reduce((a, o) => Math.min(a, o.snrDb), 200);
  return `coverage ${cov}; outputs SNR ${fmt(worstOut, 3)} dB; first divergence: ${fd ? `${fd.node} (${fd.tensor})` : 'none'}`;
}

/** Which stage of a quantized model hurts more, by the worst output SNR of each. */
export function stageVerdict(r: CompareReport): string {
  const [conv, quant] = r.stages!;
  const snr = (c: ComparisonResult) => c.outputs.reduce((a, o) => Math.min(a, o.snrDb), 200);
  return `${snr(quant!) < snr(conv!) ? 'quantization' : 'conversion'} hurts more (output SNR: conversion ${fmt(snr(conv!), 3)} dB, quantization ${fmt(snr(quant!), 3)} dB)`;
}

export function reportText(r: CompareReport, all = false): string {
  const lines: string[] = [];
  lines.push(`${r.onnx} vs ${r.tflite}${r.quantized ? ' (quantized)' : ''}`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  lines.push(...comparisonTable(r, all));
  lines.push(summary(r, r.perLayer));
  if (r.uncovered.length) lines.push(`not compared: ${r.uncovered.slice(0, 5).map((u) => `${u.tensor} (${u.reason})`).join('; ')}${r.uncovered.length > 5 ? `; and ${r.uncovered.length - 5} more` : ''}`);
  for (const s of r.stages ?? []) {
    lines.push('', `stage ${s.name}: ${s.reference === 'onnx' ? 'ONNX' : s.reference} → ${s.model}`);
    const worstLayer = s.layers.reduce<LayerResult | undefined>((a, l) => (!a || l.snrDb < a.snrDb ? l : a), undefined);
    lines.push(`  ${summary(s)}${worstLayer ? `; worst layer ${worstLayer.node} at ${fmt(worstLayer.snrDb, 3)} dB` : ''}`);
  }
  if (r.stages) lines.push(`  ${stageVerdict(r)}`);
  lines.push(`${r.ms} ms`);
  return lines.join('\n') + '\n';
}

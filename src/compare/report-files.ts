// The files `onnx2lite compare` writes: --json (the stable shape the editor's accuracy overlay reads: layers,
// firstDivergence and outputs first; numbers that are not finite become null) and --html (one self-contained page:
// inline CSS and SVG, no script, nothing fetched).
import type { CompareReport, ComparisonResult, LayerResult } from './types';
import { fmt, stageVerdict, worstLayers } from './table';

function layerJson(l: LayerResult): object {
  return { node: l.node, op: l.op, tensor: l.tensor, tflite: l.tflite, maxAbs: l.maxAbs, meanAbs: l.meanAbs, rel: l.rel,
    cosine: l.cosine, snrDb: l.snrDb, inputSnrDb: l.inputSnrDb, jump: l.jump };
}

function comparisonJson(c: ComparisonResult): Record<string, unknown> {
  return {
    layers: c.layers.map(layerJson),
    firstDivergence: c.firstDivergence,
    outputs: c.outputs.map(layerJson),
    reference: c.reference,
    model: c.model,
    coverage: c.coverage,
    uncovered: c.uncovered,
  };
}

export function reportJson(r: CompareReport): string {
  const obj = {
    ...comparisonJson(r),
    version: r.version, onnx: r.onnx, tflite: r.tflite, quantized: r.quantized, perLayer: r.perLayer,
    inputs: r.inputs, notes: r.notes, ms: r.ms,
    ...(r.stages ? { stages: r.stages.map((s) => ({ name: s.name, ...comparisonJson(s) })) } : {}),
  };
  return JSON.stringify(obj, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1) + '\n';
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]!));
}

/** Green at 100 dB and above, red at 0 dB and below. */
function heat(snr: number): string {
  const t = Math.max(0, Math.min(1, snr / 100));
  return `hsl(${Math.round(120 * t)} 70% 45%)`;
}

/** SNR per layer as an inline SVG polyline, the first divergence marked. */
function chart(c: ComparisonResult): string {
  const w = 900, h = 160, n = Math.max(1, c.layers.length - 1);
  const y = (snr: number) => h - 10 - (Math.max(-20, Math.min(200, snr)) + 20) / 220 * (h - 20);
  const pts = c.layers.map((l, i) => `${(i / n * (w - 20) + 10).toFixed(1)},${y(l.snrDb).toFixed(1)}`).join(' ');
  const fi = c.firstDivergence ? c.layers.findIndex((l) => l.tensor === c.firstDivergence!.tensor) : -1;
  const mark = fi >= 0 ? `<line x1="${fi / n * (w - 20) + 10}" x2="${fi / n * (w - 20) + 10}" y1="0" y2="${h}" stroke="#d33" stroke-dasharray="4 3"/>` : '';
  const grid = [0, 50, 100, 150, 200].map((v) => `<line x1="10" x2="${w - 10}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="12" y="${y(v) - 2}" font-size="10" fill="#888">${v} dB</text>`).join('');
  return `<svg viewBox="0 0 ${w} ${h}" width="100%" role="img" aria-label="SNR per layer">${grid}${mark}<polyline fill="none" stroke="#36c" stroke-width="1.5" points="${pts}"/></svg>`;
}

function table(c: ComparisonResult): string {
  const worst = worstLayers(c.layers);
  const rows = (ls: LayerResult[], prefix: (i: number) => string, marks: boolean) => ls.map((l, i) => {
    const tags = [marks && c.firstDivergence?.tensor === l.tensor ? 'first divergence' : l.jump ? 'jump' : '', marks && worst.has(i) ? 'worst' : ''].filter(Boolean).join(', ');
    return `<tr${tags ? ' class="mark"' : ''}><td>${prefix(i)}</td><td title="${esc(l.tensor)}">${esc(l.node)}</td><td>${esc(l.op)}</td><td>${l.tflite}</td>`
      + `<td>${fmt(l.maxAbs)}</td><td>${fmt(l.meanAbs)}</td><td>${fmt(l.rel)}</td><td>${fmt(l.cosine, 5)}</td>`
      + `<td style="background:${heat(l.snrDb)}">${fmt(l.snrDb, 3)}</td><td>${tags}</td></tr>`;
  }).join('\n');
  return `<table><thead><tr><th>#</th><th>node</th><th>op</th><th>tflite</th><th>maxAbs</th><th>meanAbs</th><th>rel</th><th>cosine</th><th>SNR dB</th><th></th></tr></thead><tbody>
${rows(c.layers, (i) => String(i + 1), true)}
${rows(c.outputs, () => 'out', false)}
</tbody></table>`;
}

function section(title: string, c: ComparisonResult, perLayer = true): string {
  const fd = c.firstDivergence;
  const cov = perLayer ? `coverage ${c.coverage.covered}/${c.coverage.nodes} nodes (${c.coverage.percent}%)` : 'outputs only (no onnx2lite metadata)';
  return `<h2>${esc(title)}</h2>
<p>Reference: ${esc(c.reference)} · model: ${esc(c.model)} · ${cov} ·
first divergence: ${fd ? `<b>${esc(fd.node)}</b> (${esc(fd.tensor)})` : 'none'}</p>
${c.layers.length ? chart(c) : ''}
${table(c)}
${c.uncovered.length ? `<details><summary>${c.uncovered.length} tensors not compared</summary><ul>${c.uncovered.map((u) => `<li>${esc(u.tensor)}: ${esc(u.reason)}</li>`).join('')}</ul></details>` : ''}`;
}

export function reportHtml(r: CompareReport): string {
  const stages = (r.stages ?? []).map((s) => section(`Stage: ${s.name} (${s.reference === 'onnx' ? 'ONNX' : s.reference} → ${s.model})`, s)).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>onnx2lite compare: ${esc(r.tflite)}</title>
<style>
body{font:13px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
td,th{padding:2px 8px;border-bottom:1px solid #eee;text-align:right}
td:nth-child(2),td:nth-child(3),th:nth-child(2),th:nth-child(3),td:last-child{text-align:left}
td:nth-child(2){max-width:32em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
tr.mark{font-weight:600;background:#fff4e5}
.note{color:#875}
</style></head><body>
<h1>onnx2lite compare</h1>
<p>${esc(r.onnx)} vs ${esc(r.tflite)}${r.quantized ? ' (quantized)' : ''} · ${r.ms} ms</p>
${r.notes.map((n) => `<p class="note">note: ${esc(n)}</p>`).join('\n')}
${r.stages ? `<p><b>${esc(stageVerdict(r))}</b></p>` : ''}
${section('ONNX Runtime vs LiteRT', r, r.perLayer)}
${stages}
</body></html>
`;
}

// Converts every variant written by scripts/export/variants.py (+ variants-ort.ts) with `onnx2lite convert --json`
// (only `--input-shape` for the inputs the variant made symbolic, at their export dims) and appends one row per model
// to OUT_DIR/results.tsv: family, variant, status (ok / BAD rel / refused code / error), the self-check's max rel,
// TRANSPOSE count, the family's opset-17 count, ms and the error line. Rows already in results.tsv are kept (--redo
// converts them again). A variant that adds transposes over op17 is marked `+T`.
// --variants a,b,... converts only those variants (a first pass over every family under load).
// --table prints results.tsv as the markdown family x variant table of docs/model-sweep.md ("Exporter variants"):
// each cell the self-check's max rel and the TRANSPOSE count (bold when it differs from op17's), or the refusal.
// Usage: node --import tsx scripts/variants-check.ts OUT_DIR [--redo] [--variants V,...] [FAMILY[/VARIANT] ...]
//        node --import tsx scripts/variants-check.ts OUT_DIR --table
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Row { fam: string; variant: string; status: string; rel: string; transposes: string; ms: string; error: string }

const ORDER = ['op17', 'op9', 'op11', 'op13', 'op14', 'op16', 'dyn_batch', 'dyn_spatial', 'dyn_seq', 'nofold', 'op9_nofold', 'initin',
  'preserve', 'functions', 'extdata', 'fp16', 'fp16io', 'vc9up', 'vc11up', 'ort_basic', 'ort_extended', 'ort_all'];

function convertOne(dir: string, fam: string, variant: string): Row {
  const side = JSON.parse(readFileSync(join(dir, fam, `${variant}.json`), 'utf8')) as { inputs: Record<string, number[]>; symbolic: string[] };
  const model = variant === 'extdata' ? join(dir, fam, 'extdata', 'model.onnx') : join(dir, fam, `${variant}.onnx`);
  const outDir = join(dir, 'tflite', fam);
  mkdirSync(outDir, { recursive: true });
  const args = ['bin/onnx2lite.js', 'convert', model, '-o', join(outDir, `${variant}.tflite`), '--json'];
  for (const n of side.symbolic) args.push('--input-shape', `${n}=${side.inputs[n].join(',')}`);
  const t0 = Date.now();
  const r = spawnSync('nice', ['-n', '10', 'node', ...args], { encoding: 'utf8', timeout: 600_000, maxBuffer: 64 << 20 });
  const ms = String(Date.now() - t0);
  if (r.error || r.signal) return { fam, variant, status: 'timeout', rel: '', transposes: '', ms, error: String(r.error ?? r.signal) };
  let j: { models?: Array<Record<string, unknown>> } | undefined;
  try { j = JSON.parse(r.stdout) as typeof j; } catch { /* not JSON: an internal error's stack */ }
  const m = j?.models?.[0];
  if (!m) return { fam, variant, status: 'crash', rel: '', transposes: '', ms, error: (r.stderr || r.stdout).split('\n').filter(Boolean).slice(0, 2).join(' | ').slice(0, 300) };
  if (m.error) return { fam, variant, status: `refused:${String(m.code ?? 'error')}`, rel: '', transposes: '', ms, error: String(m.error).split('\n')[0].slice(0, 300) };
  const v = m.verification as { maxRel?: number } | undefined;
  const rel = v?.maxRel;
  return { fam, variant, status: rel !== undefined && rel <= 1e-4 ? 'ok' : 'BAD', rel: rel === undefined ? '' : rel.toExponential(2), transposes: String(m.transposeCount), ms, error: ((m.warnings as string[] | undefined) ?? []).join(' | ').slice(0, 200) };
}

function table(file: string): string {
  const rows = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t'));
  const last = new Map<string, string[]>();
  for (const r of rows) last.set(`${r[0]}/${r[1]}`, r);
  const fams = [...new Set(rows.map((r) => r[0]))];
  const cols = ORDER.filter((v) => rows.some((r) => r[1] === v && r[2] !== 'no-export'));
  const lines = [`| family | ${cols.join(' | ')} |`, `|---|${cols.map(() => '---').join('|')}|`];
  for (const fam of fams) {
    const base = last.get(`${fam}/op17`)?.[4];
    const cells = cols.map((v) => {
      const r = last.get(`${fam}/${v}`);
      if (!r) return '';
      if (r[2] === 'no-export') return r[6].startsWith('EXPORT FAILED') ? 'export fails' : '–';
      if (r[2].startsWith('refused:')) return `refused (${r[2].slice(8)})`;
      if (r[2] === 'crash' || r[2] === 'timeout') return r[2];
      const t = r[4] === base || base === undefined ? r[4] : `**${r[4]}**`;
      return `${r[3]} · ${t}`;
    });
    lines.push(`| ${fam} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

function main(): void {
  const argv = process.argv.slice(2);
  const dir = argv[0];
  if (argv.includes('--table')) { console.log(table(join(dir, 'results.tsv'))); return; }
  const redo = argv.includes('--redo');
  const vi = argv.indexOf('--variants');
  const wanted = vi > 0 ? new Set(argv[vi + 1].split(',')) : undefined;
  const picks = argv.slice(1).filter((a, k) => a !== '--redo' && k + 1 !== vi && k !== vi);
  const file = join(dir, 'results.tsv');
  const done = new Set<string>();
  if (existsSync(file) && !redo) for (const l of readFileSync(file, 'utf8').split('\n')) if (l) done.add(l.split('\t').slice(0, 2).join('/'));
  if (!existsSync(file)) writeFileSync(file, '');
  const fams = picks.length ? [...new Set(picks.map((p) => p.split('/')[0]))] : readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== 'tflite').map((d) => d.name);
  for (const fam of fams) {
    const only = picks.filter((p) => p.startsWith(`${fam}/`)).map((p) => p.split('/')[1]);
    for (const variant of ORDER) {
      if (only.length && !only.includes(variant)) continue;
      if (wanted && !wanted.has(variant)) continue;
      if (!existsSync(join(dir, fam, `${variant}.json`))) {
        const skip = join(dir, fam, `${variant}.onnx.skip`);
        if (existsSync(skip) && !done.has(`${fam}/${variant}`)) {
          appendFileSync(file, [fam, variant, 'no-export', '', '', '', readFileSync(skip, 'utf8').trim().slice(0, 200)].join('\t') + '\n');
          done.add(`${fam}/${variant}`);
        }
        continue;
      }
      if (done.has(`${fam}/${variant}`)) continue;
      const row = convertOne(dir, fam, variant);
      const line = [row.fam, row.variant, row.status, row.rel, row.transposes, row.ms, row.error].join('\t');
      appendFileSync(file, line + '\n');
      console.log(line);
    }
  }
}
main();

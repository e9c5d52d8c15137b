// Does the compatibility view (the graph view's marks and the Problems panel: analyzeCompatibility) agree with what
// convert really does? For every .onnx under the given folders: the marks, the real convert (with its self-check on
// LiteRT), full int8 with a small random calibration, and the written model's ops against TFLite Micro's kernel list
// (the one `onnx2lite micro` uses). Lists each disagreement, by class:
//   builtin-refused       convert refuses the model, every node is marked builtin (the node the error names)
//   refused-elsewhere     convert refuses naming a node marked builtin while another node is marked unsupported
//   unsupported-converts  a node marked unsupported / Flex in a model that converts
//   issue-converts        a model-level issue (dynamic dims ...) on a model that converts with the same flags
//   int8-float            a node marked int8 whose ops int8 leaves in float32 (not one marked "may stay float32":
//                         int8Maybe, decided by calibration ranges, src/convert/compat-int8-maybe.ts)
//   int8-unmarked         a node marked not int8 whose ops all run in int8 / 16x8
//   int8-refused          --quantize int8 refuses the model while nodes of it are marked int8
//   micro-missing         a node marked TFLite Micro whose written ops include one TFLM has no kernel for
//   micro-unmarked        a node marked not TFLite Micro whose written ops all have TFLM kernels
// A model LiteRT refuses on inputs onnxruntime cannot run either (sizes the model does not take, often --dynamic-size's)
// is no disagreement: its record says bothFail, the summary counts them apart.
//
// Usage: node --import tsx scripts/compat-audit.ts DIR|FILE... [--log FILE.jsonl] [--max-mb 300] [--timeout 600]
//          [--no-int8] [--int8-max-mb 60] [--input-value NAME=V,...]... [--input-shape NAME=DIMS]... [--dynamic-size N]
// --input-value / --input-shape apply to each model that has an input of that name (the sweeps used sr=16000 for
// Silero VAD, use_cache_branch=1 for merged decoders: docs/model-sweep.md). --dynamic-size N gives each input dim a
// model leaves symbolic (and no --input-shape fixes) a size: 1 for a batch-like name (batch, N, B...), N otherwise, as
// a user fixes a dynamic export with --input-shape. Each model runs in a child process (one at
// a time; a crash or a model past --timeout seconds is recorded and the next one goes on). Reads models only; writes
// the log and converted models in a temporary folder.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { readModelFile } from '../src/onnx/reader';
import { analyzeCompatibility, nodeOwners } from '../src/convert/compat';
import { convertFileVerified } from '../src/core/convert-file';
import { quantizeFile } from '../src/quantize/file';
import { MICRO_OPS } from '../src/micro/ops';
import { integerOnlyHardSwish } from '../src/micro/integer-only';
import { parseInputShapes, parseInputValues } from '../src/cli/command';
import type { TflModel } from '../src/tflite/model';
import type { NodeVerdict } from '../src/shared/compat-types';

export interface Disagreement { kind: string; node?: string; opType?: string; detail: string }
export interface AuditRecord {
  file: string;
  nodes: number;
  converted: boolean;
  error?: string;
  int8?: 'ok' | 'skipped' | string;
  /** Refused because onnxruntime cannot run the ONNX model on the same inputs either (not a disagreement). */
  bothFail?: boolean;
  disagreements: Disagreement[];
  ms: number;
}

const MARKER = '@@audit ';
/** core/verify.ts's words when onnxruntime fails on the inputs LiteRT failed on. */
const ORT_TOO = /onnxruntime fails on the same inputs too/;

function onnxFiles(p: string): string[] {
  const st = fs.statSync(p);
  if (st.isFile()) return p.endsWith('.onnx') ? [p] : [];
  return fs.readdirSync(p, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => (e.isDirectory() || e.name.endsWith('.onnx') ? onnxFiles(path.join(p, e.name)) : []));
}

/** Top-level node → the ops the written model has for it. */
function opsByNode(model: TflModel, ownerOf: (n: string) => string): Map<string, { opcode: string; kind: 'float' | 'int' | 'none' }[]> {
  const out = new Map<string, { opcode: string; kind: 'float' | 'int' | 'none' }[]>();
  for (const g of model.subgraphs) {
    const act = (i: number) => (i >= 0 && i < g.tensors.length && !g.tensors[i].data ? g.tensors[i] : undefined);
    for (const op of g.operators) {
      if (!op.onnxNode) continue;
      const types = [...op.inputs, ...op.outputs].map(act).filter((t) => t !== undefined).map((t) => t.type);
      const quantEdge = op.opcode === 'QUANTIZE' || op.opcode === 'DEQUANTIZE';
      const kind = !quantEdge && types.includes('FLOAT32') ? 'float'
        : types.some((t) => t === 'INT8' || t === 'INT16' || t === 'UINT8') ? 'int' : 'none';
      const key = ownerOf(op.onnxNode);
      out.set(key, [...(out.get(key) ?? []), { opcode: op.opcode, kind }]);
    }
  }
  return out;
}

function microDisagreements(nodes: NodeVerdict[], written: ReturnType<typeof opsByNode>): Disagreement[] {
  const out: Disagreement[] = [];
  for (const v of nodes) {
    const ops = written.get(v.node);
    if (!ops?.length) continue;
    const missing = [...new Set(ops.map((o) => o.opcode).filter((o) => !MICRO_OPS[o]))];
    if (v.micro && missing.length) out.push({ kind: 'micro-missing', node: v.node, opType: v.opType, detail: `writes ${missing.join(', ')}` });
    if (!v.micro && !missing.length && v.status === 'builtin') {
      out.push({ kind: 'micro-unmarked', node: v.node, opType: v.opType, detail: `writes ${[...new Set(ops.map((o) => o.opcode))].join(', ')}` });
    }
  }
  return out;
}

function int8Disagreements(nodes: NodeVerdict[], written: ReturnType<typeof opsByNode>): Disagreement[] {
  const out: Disagreement[] = [];
  for (const v of nodes) {
    const ops = written.get(v.node);
    if (!ops?.length || v.status !== 'builtin') continue;
    const float = ops.filter((o) => o.kind === 'float').map((o) => o.opcode);
    const int = ops.some((o) => o.kind === 'int');
    // A node marked "int8, may stay float32" (int8Maybe: a rule on calibration ranges decides) agrees either way.
    if (v.int8 && float.length && !v.int8Maybe) out.push({ kind: 'int8-float', node: v.node, opType: v.opType, detail: `float32: ${[...new Set(float)].join(', ')}` });
    if (!v.int8 && !float.length && int) out.push({ kind: 'int8-unmarked', node: v.node, opType: v.opType, detail: v.int8Reason ?? '' });
  }
  return out;
}

interface AuditOptions { inputShapes: Map<string, number[]>; inputValues: Map<string, number[]>; int8: boolean; int8MaxBytes: number; dynamicSize?: number }

const BATCH_DIM = /^(batch|batch_size|n|b|bs|num_batches)$/i;

/** --input-shape for each input with symbolic dims that `given` does not fix: batch-like dims 1, the others `size`.
 *  Batch-like: a batch name, or the leading dim of an image / video input (rank 4 / 5), whatever its name — Paddle2ONNX
 *  names it `p2o.DynamicDimension.0`, and PP-OCRv4 rec at a batch of 64 timed out the audit (64× its work). */
export function dynamicShapes(inputs: { name: string; shape?: (number | string)[] }[], given: Map<string, number[]>, size: number): Map<string, number[]> {
  const out = new Map(given);
  for (const i of inputs) {
    if (out.has(i.name) || !i.shape || i.shape.every((d) => typeof d === 'number' && d >= 0)) continue;
    const batchFirst = i.shape.length === 4 || i.shape.length === 5;
    out.set(i.name, i.shape.map((d, k) => (typeof d === 'number' && d >= 0 ? d : BATCH_DIM.test(String(d)) || (k === 0 && batchFirst) ? 1 : size)));
  }
  return out;
}

/** Audits one model (in this process). */
export async function auditModel(file: string, o: AuditOptions, tmp: string): Promise<AuditRecord> {
  const t0 = performance.now();
  const source = readModelFile(file);
  const names = new Set(source.graph.inputs.map((i) => i.name));
  const only = (m: Map<string, number[]>) => new Map([...m].filter(([k]) => names.has(k)));
  const shapes = only(o.inputShapes);
  const opts = { inputShapes: o.dynamicSize ? dynamicShapes(source.graph.inputs, shapes, o.dynamicSize) : shapes, inputValues: only(o.inputValues) };
  const report = analyzeCompatibility(source, opts);
  const nodes = report.nodes;
  const marked = (v: NodeVerdict) => v.status !== 'builtin';
  const ownerOf = nodeOwners(source.graph);
  const out = path.join(tmp, 'model.tflite');
  const disagreements: Disagreement[] = [];
  const rec: AuditRecord = { file, nodes: nodes.length, converted: false, disagreements, ms: 0 };
  try {
    const r = await convertFileVerified(file, out, opts);
    rec.converted = true;
    for (const v of nodes.filter(marked)) disagreements.push({ kind: 'unsupported-converts', node: v.node, opType: v.opType, detail: v.reason ?? v.status });
    for (const m of report.modelIssues) disagreements.push({ kind: 'issue-converts', detail: m.message });
    const written = opsByNode(r.result.model, ownerOf);
    disagreements.push(...microDisagreements(nodes, written));
    if (!o.int8 || fs.statSync(file).size > o.int8MaxBytes) rec.int8 = 'skipped';
    else {
      try {
        const q = await quantizeFile(file, path.join(tmp, 'model_int8.tflite'), opts, {
          mode: 'int8', count: 2, int16: 'off', weightRounding: 'nearest', biasCorrection: false, minCosine: 0, allowDegraded: true,
        });
        rec.int8 = 'ok';
        // The float forms int8 writes for XNNPack's sake (HARD_SWISH, ADD / SUB / MUL outside its scale ratios) are
        // the int8 op as `onnx2lite micro` writes them back: judged in that form.
        integerOnlyHardSwish(q.result.model);
        disagreements.push(...int8Disagreements(nodes, opsByNode(q.result.model, ownerOf)));
      } catch (e) {
        rec.int8 = `refused: ${(e as Error).message.split('\n')[0]}`;
        const marked8 = nodes.filter((v) => v.int8 && written.has(v.node));
        if (marked8.length) disagreements.push({ kind: 'int8-refused', detail: `${marked8.length} node(s) marked int8; ${rec.int8}` });
      }
    }
  } catch (e) {
    const err = e as Error & { node?: string };
    rec.error = err.message.split('\n')[0];
    const named = err.node !== undefined ? nodes.find((v) => v.node === err.node || v.node === ownerOf(err.node!)) : undefined;
    const anyMarked = nodes.some(marked) || report.modelIssues.length > 0;
    // The ONNX model itself does not run at these sizes (onnxruntime fails on the same inputs: a past longer than the
    // position table at --dynamic-size): the sizes are the audit's fault, not the marks'.
    rec.bothFail = ORT_TOO.test(rec.error);
    if (rec.bothFail) return done(rec, t0);
    if (!anyMarked) {
      disagreements.push({ kind: 'builtin-refused', node: named?.node ?? err.node, opType: named?.opType, detail: rec.error });
    } else if (named && !marked(named)) {
      disagreements.push({ kind: 'refused-elsewhere', node: named.node, opType: named.opType, detail: rec.error });
    }
  }
  return done(rec, t0);
}

function done(rec: AuditRecord, t0: number): AuditRecord {
  rec.ms = Math.round(performance.now() - t0);
  return rec;
}

function summarize(records: AuditRecord[]): string {
  const byKind = new Map<string, { n: number; ops: Map<string, number> }>();
  for (const r of records) {
    for (const d of r.disagreements) {
      const k = byKind.get(d.kind) ?? { n: 0, ops: new Map() };
      k.n++;
      const op = d.opType ?? '(model)';
      k.ops.set(op, (k.ops.get(op) ?? 0) + 1);
      byKind.set(d.kind, k);
    }
  }
  const lines = [`${records.length} models, ${records.reduce((n, r) => n + r.nodes, 0)} nodes; `
    + `${records.filter((r) => r.converted).length} convert, ${records.filter((r) => r.error).length} refused `
    + `(${records.filter((r) => r.bothFail).length} where onnxruntime fails on the same inputs too); `
    + `int8 run on ${records.filter((r) => r.int8 === 'ok').length}; `
    + `models with a disagreement: ${records.filter((r) => r.disagreements.length).length}`];
  for (const [kind, k] of [...byKind].sort()) {
    lines.push(`  ${kind}: ${k.n} (${[...k.ops].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([op, n]) => `${op} ${n}`).join(', ')})`);
  }
  return lines.join('\n');
}

async function child(files: string[], o: AuditOptions): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'compat-audit-'));
  try {
    for (const f of files) {
      process.stdout.write(`${MARKER}${JSON.stringify({ start: f })}\n`);
      let rec: AuditRecord;
      try {
        rec = await auditModel(f, o, tmp);
      } catch (e) {
        rec = { file: f, nodes: 0, converted: false, error: `audit: ${(e as Error).message.split('\n')[0]}`, disagreements: [], ms: 0 };
      }
      process.stdout.write(`${MARKER}${JSON.stringify({ record: rec })}\n`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Runs the files in child processes, one at a time, and restarts past a crash or a timeout. */
async function parent(files: string[], args: string[], log: string, timeoutS: number): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  let rest = [...files];
  fs.writeFileSync(log, '');
  const record = (r: AuditRecord) => {
    records.push(r);
    fs.appendFileSync(log, `${JSON.stringify(r)}\n`);
    const d = r.disagreements.map((x) => `${x.kind} ${x.opType ?? ''} ${x.node ?? ''}`.trim());
    console.log(`${records.length}/${files.length} ${path.basename(r.file)}: ${r.converted ? 'converts' : `refused (${r.error})`}`
      + `${d.length ? `; ${d.length} disagreement(s): ${[...new Set(d)].slice(0, 4).join('; ')}` : ''} [${(r.ms / 1000).toFixed(1)} s]`);
  };
  while (rest.length) {
    const listFile = path.join(os.tmpdir(), `compat-audit-${process.pid}.json`);
    fs.writeFileSync(listFile, JSON.stringify(rest));
    const proc = spawn(process.execPath, ['--import', 'tsx', __filename, '--child', listFile, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let current: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    let buf = '';
    const timedOut = new Set<string>();
    proc.stdout.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.startsWith(MARKER)) continue;
        const msg = JSON.parse(line.slice(MARKER.length)) as { start?: string; record?: AuditRecord };
        if (msg.start) {
          current = msg.start;
          clearTimeout(timer);
          timer = setTimeout(() => { timedOut.add(current!); proc.kill('SIGKILL'); }, timeoutS * 1000);
        } else if (msg.record) {
          clearTimeout(timer);
          record(msg.record);
          rest = rest.filter((f) => f !== msg.record!.file);
          current = undefined;
        }
      }
    });
    await new Promise<void>((resolve) => proc.on('exit', () => resolve()));
    clearTimeout(timer);
    if (current) {
      record({ file: current, nodes: 0, converted: false, error: timedOut.has(current) ? `timeout after ${timeoutS} s` : 'the audit process died', disagreements: [], ms: timeoutS * 1000 });
      rest = rest.filter((f) => f !== current);
    } else if (rest.length) break; // exited without starting the next file
  }
  return records;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      child: { type: 'string' }, log: { type: 'string' }, 'max-mb': { type: 'string', default: '300' },
      timeout: { type: 'string', default: '600' }, 'no-int8': { type: 'boolean', default: false },
      'int8-max-mb': { type: 'string', default: '60' }, 'input-value': { type: 'string', multiple: true },
      'input-shape': { type: 'string', multiple: true }, 'dynamic-size': { type: 'string' },
    },
  });
  const o: AuditOptions = {
    inputShapes: parseInputShapes(values['input-shape']), inputValues: parseInputValues(values['input-value']),
    int8: !values['no-int8'], int8MaxBytes: Number(values['int8-max-mb']) * 2 ** 20,
    dynamicSize: values['dynamic-size'] ? Number(values['dynamic-size']) : undefined,
  };
  if (values.child) {
    await child(JSON.parse(fs.readFileSync(values.child, 'utf8')) as string[], o);
    return;
  }
  if (!positionals.length) throw new Error('usage: compat-audit.ts DIR|FILE... [--log FILE.jsonl] (see the file comment)');
  const maxBytes = Number(values['max-mb']) * 2 ** 20;
  const all = positionals.flatMap(onnxFiles);
  const files = all.filter((f) => fs.statSync(f).size <= maxBytes);
  if (files.length < all.length) console.log(`skipped ${all.length - files.length} file(s) over ${values['max-mb']} MB`);
  const pass = [...(values['no-int8'] ? ['--no-int8'] : []), '--int8-max-mb', values['int8-max-mb']!,
    ...(values['input-value'] ?? []).flatMap((v) => ['--input-value', v]), ...(values['input-shape'] ?? []).flatMap((v) => ['--input-shape', v]),
    ...(values['dynamic-size'] ? ['--dynamic-size', values['dynamic-size']] : [])];
  const log = values.log ?? path.join(os.tmpdir(), 'compat-audit.jsonl');
  const records = await parent(files, pass, log, Number(values.timeout));
  console.log(summarize(records));
  console.log(`log: ${log}`);
}

if (require.main === module) {
  main().catch((e) => {
    console.error((e as Error).message);
    process.exit(1);
  });
}

// Full-integer int8 of transformers with attention masks, measured: realistic calibration samples (token ids within
// the vocabulary, batches with a padded row and its mask, decoder KV caches made by running the model on a prompt,
// smooth pictures for a ViT), `convert --quantize int8 --calibration DIR` through the CLI (dist/), then the int8
// model on LiteRT against onnxruntime's float model on held-out samples: worst / mean output cosine (on the rows a
// mask keeps) and, for logits, arg-max agreement.
//   node --import tsx scripts/int8-transformers.ts OUT_DIR [NAME ...] [-- extra convert flags]
// Models: the tiny BERT / GPT-2 / LLaMA of scripts/export/ort-transformers.py and ort-fused.ts (MODELS_DIR, default
// /work/big/kE-bert/ort) and the committed test/fixtures/transformers (vit_tiny, hf_bert_model).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { encodeNpy } from '../src/core/npy';
import { seededUniform } from '../src/core/random';
import { makeTensor } from '../src/ir/tensor';
import type { Tensor } from '../src/ir/types';
import { openConverted } from '../src/runtime/tflite-onnx-io';
import { encodeModel } from '../src/onnx/writer';
import { gqaDecoder } from '../test/helpers/gqa-graphs';

const MODELS = process.env.MODELS_DIR ?? '/work/big/kE-bert/ort';
const FIX = 'test/fixtures/transformers';
const [out, ...rest] = process.argv.slice(2);
const dash = rest.indexOf('--');
const names = dash < 0 ? rest : rest.slice(0, dash);
const extra = dash < 0 ? [] : rest.slice(dash + 1);

type Sample = Tensor[];
const i64 = (name: string, dims: number[], v: number[]) => makeTensor(name, 'int64', dims, BigInt64Array.from(v.map((x) => BigInt(Math.round(x)))));

/** BERT batch [2, 8]: row 0 full, row 1 padded after 3..7 tokens (ids 0, mask 0); token types 0 then 1. */
function bertSample(seed: number, order: string[]): Sample {
  const rnd = seededUniform(seed);
  const [B, S] = [2, 8];
  const ids: number[] = [];
  const types: number[] = [];
  const mask: number[] = [];
  for (let b = 0; b < B; b++) {
    const len = b === 0 ? S : 3 + Math.floor(rnd() * 5);
    for (let s = 0; s < S; s++) {
      ids.push(s < len ? 1 + Math.floor(rnd() * 63) : 0);
      types.push(s < len && s >= len / 2 ? 1 : 0);
      mask.push(s < len ? 1 : 0);
    }
  }
  const all: Record<string, Tensor> = { input_ids: i64('input_ids', [B, S], ids), token_type_ids: i64('token_type_ids', [B, S], types), attention_mask: i64('attention_mask', [B, S], mask) };
  return order.map((n) => all[n]);
}

/** A decoder step (B 2, 2 new tokens) after a prompt of 4 run through onnxruntime (row 1's first 2 masked: left
 *  padding); the cache holds one masked leading slot (TFLite has no empty past). */
async function decoderSample(seed: number, file: string, llama: boolean): Promise<Sample> {
  const rnd = seededUniform(seed);
  const B = 2;
  const sess = await ort.InferenceSession.create(file);
  const t64 = (d: number[], v: number[]) => new ort.Tensor('int64', BigInt64Array.from(v.map(BigInt)), d);
  const pastNames = llama ? ['past_key_0', 'past_value_0', 'past_key_1', 'past_value_1'] : ['past_0', 'past_1'];
  const pastDims = (P: number) => (llama ? [B, 4, P, 8] : [2, B, 4, P, 8]);
  const feeds: Record<string, ort.Tensor> = {
    input_ids: t64([B, 4], Array.from({ length: 8 }, () => 1 + Math.floor(rnd() * 63))),
    position_ids: t64([B, 4], [0, 1, 2, 3, 0, 0, 0, 1]),
    attention_mask: t64([B, 5], [0, 1, 1, 1, 1, 0, 0, 0, 1, 1]),
  };
  for (const n of pastNames) feeds[n] = new ort.Tensor('float32', new Float32Array(pastDims(1).reduce((a, b) => a * b, 1)), pastDims(1));
  const r = await sess.run(feeds);
  await sess.release();
  const presents = Object.keys(r).filter((k) => k.startsWith('present'));
  const sample: Tensor[] = [
    i64('input_ids', [B, 2], Array.from({ length: 4 }, () => 1 + Math.floor(rnd() * 63))),
    i64('position_ids', [B, 2], [4, 5, 2, 3]),
    i64('attention_mask', [B, 7], [0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1]),
  ];
  presents.forEach((p, j) => sample.push(makeTensor(pastNames[j], 'float32', [...r[p].dims], r[p].data as Float32Array)));
  return sample;
}

/** A smooth picture [1, 3, H, W] in [0, 1): a few colored blobs over a gradient. */
function picture(seed: number, H: number, W: number): Sample {
  const rnd = seededUniform(seed);
  const blobs = Array.from({ length: 4 }, () => ({ y: rnd() * H, x: rnd() * W, r: 3 + rnd() * H / 3, c: [rnd(), rnd(), rnd()] }));
  const g = [rnd(), rnd(), rnd()];
  const data = new Float32Array(3 * H * W);
  for (let c = 0; c < 3; c++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    let v = 0.3 * g[c] * (x + y) / (H + W);
    for (const b of blobs) v += b.c[c] * Math.exp(-((y - b.y) ** 2 + (x - b.x) ** 2) / (2 * b.r * b.r));
    data[(c * H + y) * W + x] = Math.min(0.999, v);
  }
  return [makeTensor('input', 'float32', [1, 3, H, W], data)];
}

/** The GroupQueryAttention decoder of test/helpers/gqa-graphs.ts: a prompt of 5 (B 2) run by onnxruntime fills the
 *  caches, then one decoding step with rows of 6 and 4 tokens (row 1's mask ends early: its cache rows after 3 are
 *  written over). */
function gqaFiles(): [string, string] {
  mkdirSync(out, { recursive: true });
  const [prompt, step] = [join(out, 'gqa_prompt.onnx'), join(out, 'gqa_decoder.onnx')];
  writeFileSync(prompt, encodeModel(gqaDecoder(2, 5, 1, false, 5)));
  writeFileSync(step, encodeModel(gqaDecoder(2, 1, 5, false, 6)));
  return [prompt, step];
}
async function gqaSample(seed: number): Promise<Sample> {
  const rnd = seededUniform(seed);
  const [prompt] = gqaFiles();
  const sess = await ort.InferenceSession.create(prompt);
  const t64 = (d: number[], v: number[]) => new ort.Tensor('int64', BigInt64Array.from(v.map(BigInt)), d);
  const feeds: Record<string, ort.Tensor> = { input_ids: t64([2, 5], Array.from({ length: 10 }, () => Math.floor(rnd() * 64))), attention_mask: t64([2, 5], new Array(10).fill(1)) };
  for (const n of ['past_key_0', 'past_value_0', 'past_key_1', 'past_value_1']) feeds[n] = new ort.Tensor('float32', new Float32Array(64), [2, 2, 1, 16]);
  const r = await sess.run(feeds);
  await sess.release();
  const sample: Tensor[] = [i64('input_ids', [2, 1], [Math.floor(rnd() * 64), Math.floor(rnd() * 64)]),
    i64('attention_mask', [2, 6], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0])];
  for (const n of ['key_0', 'value_0', 'key_1', 'value_1']) sample.push(makeTensor(`past_${n}`, 'float32', [...r[`present_${n}`].dims], r[`present_${n}`].data as Float32Array));
  return sample;
}

interface Spec { file: string; shapes: string[]; make: (seed: number) => Promise<Sample>; rowsKept?: (s: Sample) => boolean[] }
const bertOrder = ['input_ids', 'token_type_ids', 'attention_mask'];
/** The [B·S] token rows a BERT batch's mask keeps (padding rows' outputs are not used). */
const bertRows = (s: Sample) => Array.from(s.find((t) => t.name === 'attention_mask')!.data as BigInt64Array, (v) => v !== 0n);
const dec = ['input_ids=2,2', 'position_ids=2,2', 'attention_mask=2,7'];
const SPECS: Record<string, Spec> = {
  bert_tiny: { file: join(MODELS, 'bert_tiny.onnx'), shapes: [], make: async (s) => bertSample(s, bertOrder), rowsKept: bertRows },
  bert_tiny_fused: { file: join(MODELS, 'bert_tiny_fused.onnx'), shapes: [], make: async (s) => bertSample(s, bertOrder), rowsKept: bertRows },
  hf_bert_model: { file: join(FIX, 'hf_bert_model_op14.onnx'), shapes: ['input_ids=2,8', 'attention_mask=2,8', 'token_type_ids=2,8'], make: async (s) => bertSample(s, ['input_ids', 'attention_mask', 'token_type_ids']), rowsKept: bertRows },
  gpt2_tiny_past: { file: join(MODELS, 'gpt2_tiny_past.onnx'), shapes: [...dec, 'past_0=2,2,4,5,8', 'past_1=2,2,4,5,8'], make: (s) => decoderSample(s, join(MODELS, 'gpt2_tiny_past.onnx'), false) },
  gpt2_tiny_fused: { file: join(MODELS, 'gpt2_tiny_fused.onnx'), shapes: [...dec, 'past_0=2,2,4,5,8', 'past_1=2,2,4,5,8'], make: (s) => decoderSample(s, join(MODELS, 'gpt2_tiny_past.onnx'), false) },
  llama_tiny_fused: { file: join(MODELS, 'llama_tiny_fused.onnx'), shapes: [...dec, ...['past_key_0', 'past_value_0', 'past_key_1', 'past_value_1'].map((n) => `${n}=2,4,5,8`)], make: (s) => decoderSample(s, join(MODELS, 'llama_tiny_past.onnx'), true) },
  gqa_decoder: { file: join(out, 'gqa_decoder.onnx'), shapes: [], make: (s) => gqaSample(s) },
  vit_tiny: { file: join(FIX, 'vit_tiny_op17.onnx'), shapes: [], make: async (s) => picture(s, 32, 32) },
};

function cosine(a: ArrayLike<number>, b: ArrayLike<number>, keep?: (i: number) => boolean): number {
  let [ab, aa, bb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) if (!keep || keep(i)) { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
  return aa === 0 && bb === 0 ? 1 : ab / Math.sqrt(aa * bb);
}

async function main(): Promise<void> {
  const results: Record<string, unknown>[] = [];
  for (const name of names.length ? names : Object.keys(SPECS)) {
    const spec = SPECS[name];
    if (name === 'gqa_decoder') gqaFiles();
    const dir = join(out, name);
    rmSync(dir, { recursive: true, force: true });
    const cal = join(dir, 'calibration');
    const evalSamples: Sample[] = [];
    for (let i = 0; i < 24; i++) {
      const s = await spec.make(1000 + i);
      const sub = i >= 16 ? join(dir, 'eval', `sample_${i - 16}`) : join(cal, `sample_${i}`);
      if (i >= 16) evalSamples.push(s);
      mkdirSync(sub, { recursive: true });
      s.forEach((t, k) => writeFileSync(join(sub, `input_${k}.npy`), encodeNpy(t)));
    }
    const tfl = join(dir, `${name}_int8.tflite`);
    const args = [process.env.CLI ?? 'dist/cli.js', 'convert', spec.file, '-o', tfl, '--quantize', 'int8', '--calibration', cal, '--allow-degraded', '--json',
      ...spec.shapes.flatMap((s) => ['--input-shape', s]), ...extra];
    const t0 = Date.now();
    let json;
    try {
      json = JSON.parse(execFileSync('node', args, { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'pipe'] }));
    } catch (e) {
      const line = ((e as { stderr?: string }).stderr ?? String(e)).trim().split('\n').pop();
      console.log(JSON.stringify({ name, failed: line }));
      results.push({ name, failed: line });
      continue;
    }
    const q = json.models[0].quantization;
    const sess = await ort.InferenceSession.create(spec.file);
    const lite = await openConverted(readFileSync(tfl));
    const cos: Record<string, number[]> = {};
    let [agree, positions] = [0, 0];
    for (const s of evalSamples) {
      const feeds: Record<string, ort.Tensor> = {};
      for (const t of s) feeds[t.name] = new ort.Tensor(t.dtype as 'float32', t.data as Float32Array, t.dims);
      const ref = await sess.run(feeds);
      const got = await lite.run(s);
      const kept = spec.rowsKept?.(s);
      for (const [k, v] of Object.entries(ref)) {
        const r = v.data as Float32Array;
        const g = got.get(k)!.data as Float32Array;
        const row = r.length / (kept?.length ?? 1);
        (cos[k] ??= []).push(cosine(r, g, kept ? (i) => kept[Math.floor(i / row)] : undefined));
        if (k === 'logits' || v.dims.length === 2) {
          const V = v.dims[v.dims.length - 1] as number;
          for (let p = 0; p < r.length / V; p++) {
            const am = (x: Float32Array) => { let best = 0; for (let c = 1; c < V; c++) if (x[p * V + c] > x[p * V + best]) best = c; return best; };
            positions++;
            if (am(r) === am(g)) agree++;
          }
        }
      }
    }
    lite.close();
    await sess.release();
    const summary = {
      name, ms: Date.now() - t0, bytes: json.models[0].bytes, floatBytes: q.floatBytes, int16Ops: q.int16Ops, calibrationCosine: q.cosine, int8Cosine: q.int8Cosine,
      task: q.task, worstCosine: Object.fromEntries(Object.entries(cos).map(([k, v]) => [k, Math.min(...v)])),
      meanCosine: Object.fromEntries(Object.entries(cos).map(([k, v]) => [k, v.reduce((a, b) => a + b, 0) / v.length])),
      ...(positions ? { argmaxAgreement: agree / positions } : {}), warnings: json.models[0].warnings,
    };
    console.log(JSON.stringify(summary));
    results.push(summary);
  }
  writeFileSync(join(out, 'results.json'), JSON.stringify(results, null, 1));
}

main().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });

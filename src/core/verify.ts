// Convert's self-check before anything is written: the .tflite bytes are loaded in the real LiteRT runtime and run
// beside onnxruntime on seeded random inputs (the same generator as compare and deploy), and the outputs are
// compared with compare's metrics. A model LiteRT cannot load or run is refused with LiteRT's reason (which names the
// failing op); the accuracy is only reported (int8's accuracy guard lives in src/quantize/).
import { ModelError, type Tensor } from '../ir/types';
import { toFloat32 } from '../ir/tensor';
import { parseTflite } from '../tflite/reader';
import type { TflModel } from '../tflite/model';
import { modelIo, prepareInputs, toOnnxView } from '../deploy/tensors';
import { compareViews, onnxView } from '../compare/metrics';
import { openTflite } from '../runtime/litert';
import { openOnnx, runOnnx } from '../runtime/ort';
import { frozenInputs } from '../convert/metadata';
import { readMetadata } from '../runtime/tflite-onnx-io';

/** The self-check's result: the worst output's relative max error and cosine (NaN when onnxruntime could not run the
 *  ONNX model: then only LiteRT's load and run were checked) and the check's time. */
export interface Verification {
  maxRel: number;
  cosine: number;
  ms: number;
  /** Quantized (QDQ) models: onnxruntime against itself, graph optimizations on (its integer kernels for the QDQ
   *  pairs) vs off (the float ops as written). Values on a rounding boundary round either way, so no runtime agrees
   *  with onnxruntime better than this. */
  reference?: { maxRel: number; cosine: number };
}

/** Seed of the self-check's inputs (floats uniform in [0, 1), integers 0). */
export const VERIFY_SEED = 1;

/** LiteRT's "Node number N (OP) failed ..." names the op; otherwise the op at the node number is named here. */
function namingTheOp(message: string, model: TflModel): string {
  const ops = model.subgraphs[0]?.operators ?? [];
  const m = /node number (\d+)\b(?! \()/i.exec(message);  // \b: no backtracking to a shorter number
  const op = m ? ops[Number(m[1])] : undefined;
  return op ? `${message} (op ${Number(m![1])} is ${op.opcode}${op.onnxNode ? ` from ONNX node '${op.onnxNode}'` : ''})` : message;
}

/**
 * Loads `tflite` in LiteRT, runs it and the ONNX model `onnx` (file path or bytes) on the same seeded inputs and
 * measures the outputs' agreement. Throws ModelError when LiteRT cannot load or run the model, or when an output's
 * element count differs from onnxruntime's; `notes` receives why the comparison was skipped, if it was.
 */
export async function verifyOnLiteRt(onnx: string | Uint8Array, tflite: Uint8Array, notes: string[] = [],
  opts: { quantized?: boolean } = {}): Promise<Verification> {
  const t0 = performance.now();
  const model = parseTflite(tflite);
  const io = modelIo(model);
  const feeds = prepareInputs(io.inputs, undefined, VERIFY_SEED);
  let got: Tensor[];
  try {
    const session = await openTflite(tflite);
    try { got = await session.run(feeds.device); } finally { session.close(); }
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new ModelError(`the converted model fails on LiteRT, nothing written: ${namingTheOp(msg, model)}`);
  }
  let ref: Map<string, Tensor> | undefined;
  const names = io.outputs.map((o) => o.mapping?.onnx ?? o.name);
  try {
    // Inputs frozen with --input-value are no .tflite inputs: onnxruntime gets their recorded values.
    ref = await runOnnx(onnx, [...feeds.onnx, ...frozenInputs(readMetadata(tflite))], names);
  } catch (e) {
    notes.push(`not compared with onnxruntime: ${(e as Error).message}`);
  }
  let maxRel = ref ? 0 : NaN;
  let cosine = ref ? 1 : NaN;
  if (ref) {
    io.outputs.forEach((o, k) => {
      const r = ref!.get(names[k]!);
      if (!r || Array.isArray(r.data) || Array.isArray(got[k]!.data)) return;
      const a = toFloat32(toOnnxView(o, got[k]!));
      const b = toFloat32(r);
      if (a.length !== b.length) {
        throw new ModelError(`the converted model's output '${names[k]}' has ${a.length} values on LiteRT, ${b.length} in onnxruntime; nothing written`);
      }
      const m = compareViews(onnxView(b, [b.length]), onnxView(a, [a.length]));
      maxRel = Math.max(maxRel, m.rel);
      cosine = Math.min(cosine, m.cosine);
    });
  }
  const reference = ref && opts.quantized ? await selfSpread(onnx, [...feeds.onnx, ...frozenInputs(readMetadata(tflite))], names, ref) : undefined;
  return { maxRel, cosine, ms: Math.round(performance.now() - t0), ...(reference ? { reference } : {}) };
}

/** onnxruntime as written (optimizations off) against its optimized run `ref`: worst output's rel error and cosine. */
async function selfSpread(onnx: string | Uint8Array, feeds: Tensor[], names: string[], ref: Map<string, Tensor>): Promise<Verification['reference']> {
  const session = await openOnnx(onnx, { optimization: 'disabled' });
  try {
    const plain = await session.run(feeds, names);
    let maxRel = 0;
    let cosine = 1;
    for (const name of names) {
      const a = ref.get(name);
      const b = plain.get(name);
      if (!a || !b || Array.isArray(a.data) || Array.isArray(b.data)) continue;
      const m = compareViews(onnxView(toFloat32(a), [a.data.length]), onnxView(toFloat32(b), [b.data.length]));
      maxRel = Math.max(maxRel, m.rel);
      cosine = Math.min(cosine, m.cosine);
    }
    return { maxRel, cosine };
  } catch {
    return undefined;
  } finally {
    await session.close();
  }
}

/** A quantized model no further from onnxruntime than onnxruntime's two ways of running it are from each other
 *  (twice their 1 - cosine): the rounding-boundary spread, not a conversion error. */
export function withinReference(v: Verification): boolean {
  return !!v.reference && 1 - v.cosine <= 2 * (1 - v.reference.cosine) + 1e-6;
}

/** The bar for "verified" (float conversions): the worst output within max rel error 1e-2 and cosine 0.999. Beyond
 *  it the line says so and convert warns; under REFUSE_COSINE convert refuses to write unless --allow-degraded. */
export const VERIFIED_MAX_REL = 1e-2;
export const VERIFIED_MIN_COSINE = 0.999;
export const REFUSE_COSINE = 0.99;

export function isDegraded(v: Verification): boolean {
  return !Number.isNaN(v.maxRel) && (v.maxRel > VERIFIED_MAX_REL || !(v.cosine >= VERIFIED_MIN_COSINE));
}

/** The warning for a conversion beyond the bar. */
export function degradedWarning(v: Verification): string {
  return `the converted model differs from onnxruntime beyond the verified bar (max rel error ${v.maxRel.toExponential(1)} > ${VERIFIED_MAX_REL}`
    + ` or cosine ${v.cosine.toFixed(6)} < ${VERIFIED_MIN_COSINE}): check it on real inputs (onnx2lite compare)`;
}

/** The line convert prints, e.g. `verified on LiteRT: max rel error 3.1e-6, cosine 1.000000 (412 ms)`. */
export function verificationLine(v: Verification): string {
  if (Number.isNaN(v.maxRel)) return `verified on LiteRT: loads and runs (not compared with onnxruntime) (${v.ms} ms)`;
  const spread = v.reference ? `; onnxruntime itself, optimized vs as written: max rel ${v.reference.maxRel.toExponential(1)}, cosine ${v.reference.cosine.toFixed(6)}` : '';
  if (isDegraded(v)) return `NOT verified on LiteRT: max rel error ${v.maxRel.toExponential(1)}, cosine ${v.cosine.toFixed(6)} (${v.ms} ms), beyond max rel ${VERIFIED_MAX_REL} / cosine ${VERIFIED_MIN_COSINE}${spread}`;
  return `verified on LiteRT: max rel error ${v.maxRel.toExponential(1)}, cosine ${v.cosine.toFixed(6)} (${v.ms} ms)${spread}`;
}

/** JSON-safe form (NaN → null). */
export function verificationJson(v: Verification): { maxRel: number | null; cosine: number | null; ms: number; degraded?: true;
  reference?: { maxRel: number | null; cosine: number | null } } {
  const n = (x: number) => (Number.isFinite(x) ? x : null);
  return { maxRel: n(v.maxRel), cosine: n(v.cosine), ms: v.ms, ...(isDegraded(v) ? { degraded: true as const } : {}),
    ...(v.reference ? { reference: { maxRel: n(v.reference.maxRel), cosine: n(v.reference.cosine) } } : {}) };
}

// Long jobs run in a worker thread: conversion, accuracy comparison and deploy, on the same core functions as the CLI.
// Each is imported when first used, so the worker starts fast (onnxruntime and LiteRT load only for a job needing them).
import * as fs from 'node:fs';
import { ModelError } from '../ir/types';
import type { AccuracyReport } from '../shared/protocol';
import type { DeployReport } from '../deploy/types';
import type { Verification } from '../core/verify';
import type { ConvertJob, DeployJob, WorkerMethods } from './messages';

export async function runConvert(job: ConvertJob, progress: (m: string) => void): Promise<WorkerMethods['convert']['result']> {
  if (!fs.existsSync(job.file)) throw new ModelError(`cannot read ${job.file}: no such file`);
  const opts = { inputShapes: new Map(Object.entries(job.inputShapes ?? {})), inputValues: new Map(Object.entries(job.inputValues ?? {})) };
  if (job.quantization === 'float32') {
    progress('reading and converting');
    const { convertFileVerified } = await import('../core/convert-file');
    const r = await convertFileVerified(job.file, job.out, opts, true, undefined, !!job.allowDegraded);
    const line = await verified(r.verification);
    return { out: r.output, bytes: r.bytes, notes: [`${opCount(r.opHistogram)} TFLite ops, ${r.transposeCount} TRANSPOSE, ${r.ms} ms`, ...line, ...r.warnings], verified: line[0] };
  }
  const mode = job.quantization;
  progress(mode === 'int8' ? 'converting, calibrating and quantizing' : `converting and quantizing (${mode})`);
  const { quantizeFile } = await import('../quantize/file');
  // int8's phases and search steps (int8-phases.ts) go to the progress notification, as the CLI prints them.
  const r = await quantizeFile(job.file, job.out, opts, { mode, calibration: job.calibrationFolder, ...job.image, ...(job.allowDegraded ? { allowDegraded: true } : {}),
    onProgress: (p) => progress(p.message) }, true);
  const q = r.quantization;
  const notes = [`${mode}: ${((100 * r.bytes) / q.floatBytes).toFixed(1)}% of the float32 size, ${opCount(r.opHistogram)} TFLite ops`];
  if (q.calibrationSamples) notes.push(`${q.calibrationSamples} calibration samples (${q.calibrationSource})`);
  const line = await verified(r.verification);
  return { out: r.output, bytes: r.bytes, notes: [...notes, ...line, ...r.warnings], verified: line[0] };
}

/** The self-check's line ("verified on LiteRT: max rel error …"), shown in the convert command's result message. */
async function verified(v: Verification | undefined): Promise<string[]> {
  return v ? [(await import('../core/verify')).verificationLine(v)] : [];
}

function opCount(h: Record<string, number>): number { return Object.values(h).reduce((a, b) => a + b, 0); }

export async function runCompare(p: WorkerMethods['compare']['params'], progress: (m: string) => void): Promise<AccuracyReport> {
  const { compareModels } = await import('../compare/compare');
  const r = await compareModels(p.onnx, p.tflite, { inputsDir: p.inputs }, (e) => {
    if (e.phase === 'compare' && e.total) progress(`compared ${e.done}/${e.total} layers`);
    else progress(e.message ?? e.phase);
  });
  const fix = (l: AccuracyReport['layers'][number]) => ({ ...l, rel: l.rel ?? NaN, maxAbs: l.maxAbs ?? NaN, meanAbs: l.meanAbs ?? NaN, cosine: l.cosine ?? NaN, snrDb: l.snrDb ?? NaN });
  return { layers: r.layers.map(fix), outputs: r.outputs.map(fix), firstDivergence: r.firstDivergence ? { node: r.firstDivergence.node, tensor: r.firstDivergence.tensor } : null };
}

export async function runDeploy(job: DeployJob, progress: (m: string) => void): Promise<DeployReport> {
  const { deploy } = await import('../deploy/deploy');
  const { reportJson } = await import('../deploy/types');
  const r = await deploy({
    model: job.model, host: job.host, identity: job.identity, remoteDir: job.remoteDir, reference: job.reference,
    acceptNewHost: job.acceptNewHost,
  }, { onProgress: (p) => progress(p.message) });
  return reportJson(r.report);
}

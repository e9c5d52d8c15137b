// Long jobs run in a worker thread: conversion and accuracy comparison, on the same core functions as the CLI.
import * as fs from 'node:fs';
import { ModelError } from '../ir/types';
import { convertFile } from '../core/convert-file';
import { compareModels } from '../compare/compare';
import type { AccuracyReport } from '../protocol';
import { deploy } from '../deploy/deploy';
import { reportJson } from '../deploy/types';
import type { DeployReport } from '../deploy/types';
import type { ConvertJob, DeployJob, WorkerMethods } from './messages';

export async function runConvert(job: ConvertJob, progress: (m: string) => void): Promise<WorkerMethods['convert']['result']> {
  if (job.quantization !== 'float32') {
    throw new ModelError(`${job.quantization} conversion is not available in this build yet: choose float32`);
  }
  if (!fs.existsSync(job.file)) throw new ModelError(`cannot read ${job.file}: no such file`);
  progress('reading and converting');
  const r = convertFile(job.file, job.out, { inputShapes: new Map(Object.entries(job.inputShapes ?? {})) });
  const ops = Object.values(r.opHistogram).reduce((a, b) => a + b, 0);
  return { out: r.output, bytes: r.bytes, notes: [`${ops} TFLite ops, ${r.transposeCount} TRANSPOSE, ${r.ms} ms`, ...r.warnings] };
}

export async function runCompare(p: WorkerMethods['compare']['params'], progress: (m: string) => void): Promise<AccuracyReport> {
  const r = await compareModels(p.onnx, p.tflite, { inputsDir: p.inputs }, (e) => {
    if (e.phase === 'compare' && e.total) progress(`compared ${e.done}/${e.total} layers`);
    else progress(e.message ?? e.phase);
  });
  const fix = (l: AccuracyReport['layers'][number]) => ({ ...l, rel: l.rel ?? NaN, maxAbs: l.maxAbs ?? NaN, meanAbs: l.meanAbs ?? NaN, cosine: l.cosine ?? NaN, snrDb: l.snrDb ?? NaN });
  return { layers: r.layers.map(fix), outputs: r.outputs.map(fix), firstDivergence: r.firstDivergence ? { node: r.firstDivergence.node, tensor: r.firstDivergence.tensor } : null };
}

export async function runDeploy(job: DeployJob, progress: (m: string) => void): Promise<DeployReport> {
  const r = await deploy({
    model: job.model, host: job.host, identity: job.identity, remoteDir: job.remoteDir, reference: job.reference,
    acceptNewHost: job.acceptNewHost,
  }, { onProgress: (p) => progress(p.message) });
  return reportJson(r.report);
}

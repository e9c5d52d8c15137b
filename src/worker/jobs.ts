// Long jobs run in a worker thread: conversion and accuracy comparison, wired to the core as it lands.
import { ModelError } from '../ir/types';
import type { AccuracyReport } from '../protocol';
import type { ConvertJob, WorkerMethods } from './messages';

export async function runConvert(job: ConvertJob, progress: (m: string) => void): Promise<WorkerMethods['convert']['result']> {
  void job; progress('converting');
  throw new ModelError('conversion is not available in this build');
}

export async function runCompare(p: WorkerMethods['compare']['params'], progress: (m: string) => void): Promise<AccuracyReport> {
  void p; progress('comparing');
  throw new ModelError('accuracy comparison is not available in this build');
}

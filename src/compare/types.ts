// The report of `onnx2lite compare` and of compareModels(): a public contract (`--json`, the editor's accuracy
// overlay). Every number is a plain JSON number; values that are not finite (NaN/Infinity in a model's output)
// are written as null.
import type { ImageOptions } from '../calibration/image';
import type { AccuracyLayer } from '../shared/protocol';

/** Error of one tensor against its reference, and one compared layer: defined with the graph view's protocol
 *  (src/shared/protocol.ts), which shows the same rows. */
export type { Metrics } from '../shared/protocol';
export type LayerResult = AccuracyLayer;

export interface FirstDivergence {
  node: string;
  tensor: string;
  op: string;
  snrDb: number;
  inputSnrDb: number;
}

/** An ONNX tensor the report could not compare, and why. */
export interface Uncovered {
  node: string;
  tensor: string;
  reason: string;
}

/** One comparison: a model against its reference, layer by layer. */
export interface ComparisonResult {
  /** 'onnx' or a .tflite path: what the numbers are measured against. */
  reference: string;
  /** The .tflite measured. */
  model: string;
  /** ONNX tensors in topological order (graph node order). */
  layers: LayerResult[];
  firstDivergence: Pick<FirstDivergence, 'node' | 'tensor'> & Partial<FirstDivergence> | null;
  /** The model outputs, same fields as layers. */
  outputs: LayerResult[];
  /** ONNX nodes whose output survives conversion (metadata tensors with a node) and how many were compared. */
  coverage: { nodes: number; covered: number; percent: number };
  uncovered: Uncovered[];
}

/** A stage of a quantized model's error: conversion (ONNX → float32 TFLite) and quantization (float32 → int8 or
 *  float16). */
export interface StageResult extends ComparisonResult {
  name: 'conversion' | 'quantization';
}

export interface CompareReport extends ComparisonResult {
  version: 1;
  onnx: string;
  tflite: string;
  /** Where the inputs came from: a folder, or seeded random data. */
  inputs: { source: 'files' | 'random'; dir?: string; seed?: number; tensors: { name: string; dims: number[]; dtype: string; file?: string }[] };
  /** True when the compared model holds quantized (int8/int16/uint8) or float16 tensors (then stages may be set). */
  quantized: boolean;
  /** Set for a quantized model compared with a float32 sibling. */
  stages?: StageResult[];
  /** False when the .tflite carries no onnx2lite metadata: only the outputs were compared. */
  perLayer: boolean;
  notes: string[];
  ms: number;
}

export interface CompareOptions {
  /** Folder (or one file) of inputs: .pb TensorProtos or .npy arrays, matched to the ONNX inputs by name or order. */
  inputsDir?: string;
  /** Float32 sibling of a quantized model for the two-stage split (a path). */
  floatTflite?: string;
  /** Seed of the random inputs (default 0). */
  seed?: number;
  /** An image in the inputs folder: per-channel mean and std applied after scaling to [0, 1]. */
  image?: ImageOptions;
  /** Bytes of intermediate tensors held per model at once (default 128 MiB); more tensors run in several passes. */
  chunkBytes?: number;
  /** Values for named inputs (--input-value), in place of random or file data. */
  inputValues?: Map<string, number[]>;
  /** Convert the ONNX model in memory for the stage split when no float sibling is given (default true). */
  autoFloat?: boolean;
}

export interface CompareProgress {
  phase: 'load' | 'run' | 'compare' | 'done';
  /** Layers compared so far and in total. */
  done: number;
  total: number;
  message?: string;
}

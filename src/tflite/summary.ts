// The summary `onnx2lite inspect MODEL.tflite` prints (a stable JSON shape, the TFLite sibling of core/summary.ts).
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { ModelError } from '../ir/types';
import type { TflModel, TflTensor } from './model';
import { isTflite, parseTflite } from './reader';

export interface TfliteIo {
  name: string;
  /** TFLite tensor type, lower case ('float32', 'int8', ...). */
  dtype: string;
  shape: number[];
  /** Present when some dimension is dynamic (-1). */
  shapeSignature?: number[];
  /** Quantization of int8/uint8 inputs and outputs (first scale / zero point). */
  quantization?: { scale: number; zeroPoint: number };
}

export interface TfliteSummary {
  file?: string;
  format: 'tflite';
  schemaVersion: number;
  description: string;
  inputs: TfliteIo[];
  outputs: TfliteIo[];
  /** Operators of the main subgraph (0). */
  operatorCount: number;
  /** Main subgraph's op histogram; custom ops as 'CUSTOM:code'. */
  opHistogram: Record<string, number>;
  /** Tensors of the main subgraph. */
  tensorCount: number;
  /** Elements and bytes of constant tensors, all subgraphs. */
  parameterCount: number;
  parameterBytes: number;
  constantCount: number;
  /** Subgraphs besides the main one (control-flow bodies). */
  subgraphCount: number;
  /** Names of the model's metadata entries, e.g. 'onnx2lite', 'min_runtime_version'. */
  metadata: string[];
  /** The 'min_runtime_version' metadata, when present. */
  minRuntimeVersion?: string;
  signatures: string[];
}

/** True when the file starts like a TFLite flatbuffer ("TFL3" at bytes 4..8); false when unreadable. */
export function isTfliteFile(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = new Uint8Array(8);
    return readSync(fd, head, 0, 8, 0) === 8 && isTflite(head);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function summarizeTfliteFile(path: string): TfliteSummary {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new ModelError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return { file: path, ...summarizeTflite(parseTflite(bytes)) };
}

export function summarizeTflite(model: TflModel): TfliteSummary {
  const main = model.subgraphs[0]!;
  const io = (i: number): TfliteIo => {
    const t: TflTensor = main.tensors[i]!;
    const out: TfliteIo = { name: t.name, dtype: t.type.toLowerCase(), shape: t.shape };
    if (t.shapeSignature?.some((d) => d < 0)) out.shapeSignature = t.shapeSignature;
    if (t.quantization && t.quantization.scale.length > 0) {
      out.quantization = { scale: t.quantization.scale[0]!, zeroPoint: t.quantization.zeroPoint[0] ?? 0 };
    }
    return out;
  };
  const opHistogram: Record<string, number> = {};
  for (const op of main.operators) {
    const key = op.opcode === 'CUSTOM' ? `CUSTOM:${op.customCode ?? '?'}` : op.opcode;
    opHistogram[key] = (opHistogram[key] ?? 0) + 1;
  }
  let parameterCount = 0;
  let parameterBytes = 0;
  let constantCount = 0;
  for (const sg of model.subgraphs) {
    for (const t of sg.tensors) {
      if (!t.data) continue;
      constantCount++;
      parameterBytes += t.data.length;
      parameterCount += t.shape.reduce((a, b) => a * b, 1);
    }
  }
  const runtime = model.metadata.get('min_runtime_version');
  return {
    format: 'tflite',
    schemaVersion: model.version,
    description: model.description,
    inputs: main.inputs.map(io),
    outputs: main.outputs.map(io),
    operatorCount: main.operators.length,
    opHistogram,
    tensorCount: main.tensors.length,
    parameterCount,
    parameterBytes,
    constantCount,
    subgraphCount: model.subgraphs.length - 1,
    metadata: [...model.metadata.keys()],
    ...(runtime ? { minRuntimeVersion: new TextDecoder().decode(runtime).replace(/\0+$/, '') } : {}),
    signatures: (model.signatures ?? []).map((s) => s.key),
  };
}

function size(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return i === 0 ? `${n} B` : `${n.toFixed(i === 3 ? 2 : 1)} ${units[i]}`;
}

export function formatTfliteSummary(s: TfliteSummary): string {
  const tensor = (t: TfliteIo) => {
    const shape = `[${(t.shapeSignature ?? t.shape).join(', ')}]`;
    const q = t.quantization ? `  scale ${t.quantization.scale} zero point ${t.quantization.zeroPoint}` : '';
    return `  ${t.name}  ${t.dtype} ${shape}${q}`;
  };
  const lines: string[] = [];
  if (s.file) lines.push(`Model:      ${s.file}`);
  lines.push(`Format:     TFLite (schema ${s.schemaVersion})${s.description ? `, ${s.description}` : ''}`);
  if (s.minRuntimeVersion) lines.push(`Runtime:    ≥ ${s.minRuntimeVersion}`);
  lines.push('Inputs:', ...s.inputs.map(tensor));
  lines.push('Outputs:', ...s.outputs.map(tensor));
  lines.push(`Operators:  ${s.operatorCount}${s.subgraphCount ? ` (+ ${s.subgraphCount} subgraphs)` : ''}, ${s.tensorCount} tensors`);
  lines.push(`Parameters: ${s.parameterCount.toLocaleString('en-US')} (${size(s.parameterBytes)} in ${s.constantCount} constant tensors)`);
  if (s.signatures.length) lines.push(`Signatures: ${s.signatures.join(', ')}`);
  if (s.metadata.length) lines.push(`Metadata:   ${s.metadata.join(', ')}`);
  lines.push('Ops:');
  const ops = Object.entries(s.opHistogram).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  for (const [op, n] of ops) lines.push(`  ${String(n).padStart(6)}  ${op}`);
  return lines.join('\n');
}

// The extension's settings (contributes.configuration: onnx2lite.*), read with clear errors for bad values.
import * as vscode from 'vscode';
import type { Quantization } from '../worker/messages';
import { isConvertMode } from '../quantize/modes';

function cfg(): vscode.WorkspaceConfiguration { return vscode.workspace.getConfiguration('onnx2lite'); }

/** onnx2lite.inputShapes: { "input": [1, 3, 224, 224] }; bad entries are skipped. */
export function inputShapesSetting(): Record<string, number[]> {
  const raw = cfg().get<Record<string, unknown>>('inputShapes') ?? {};
  const out: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (Array.isArray(v) && v.every((d) => Number.isSafeInteger(d) && d >= 0)) out[k] = v as number[];
  }
  return out;
}

/** onnx2lite.inputValues: { "sr": [16000] }; bad entries are skipped. */
export function inputValuesSetting(): Record<string, number[]> {
  const raw = cfg().get<Record<string, unknown>>('inputValues') ?? {};
  const out: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (Array.isArray(v) && v.length > 0 && v.every((d) => typeof d === 'number' && Number.isFinite(d))) out[k] = v as number[];
  }
  return out;
}

/** onnx2lite.defaultQuantization: a mode id of src/quantize/modes.ts ('float16', the name earlier versions used, reads as fp16). */
export function defaultQuantization(): Quantization {
  const q = cfg().get<string>('defaultQuantization');
  if (q === 'float16') return 'fp16';
  return isConvertMode(q) ? q : 'float32';
}

export function calibrationFolderSetting(): string | undefined {
  return cfg().get<string>('calibrationFolder') || undefined;
}

export interface DeviceSetting { name: string; host: string; port?: number; user?: string; keyFile?: string; remoteDir?: string }

export function devicesSetting(): DeviceSetting[] {
  const raw = cfg().get<unknown[]>('devices') ?? [];
  return raw.filter((d): d is DeviceSetting => typeof d === 'object' && d !== null && typeof (d as DeviceSetting).host === 'string')
    .map((d) => ({ ...d, name: d.name || d.host }));
}

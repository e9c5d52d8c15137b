// The questions the convert command asks before full-integer int8: which folder of calibration inputs (remembered per
// model), and — when that folder holds images — how the model normalizes its image input (scale, mean/std, channel
// order; remembered with the folder). Images fed without the model's own normalization calibrate ranges for inputs the
// model never sees, so the question is asked rather than guessed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ImageNormalization } from '../worker/messages';
import { calibrationFolderSetting } from './settings';
import { IMAGE_FILE } from '../calibration/file-kinds';

const RANDOM = '\u0000random';

/** Presets users meet most: torchvision/timm (ImageNet), [-1, 1] (Paddle rec/cls, TF "inception" style), plain [0, 1]. */
const PRESETS: { label: string; detail: string; image: ImageNormalization }[] = [
  { label: 'Scale to [0, 1]', detail: 'x / 255, RGB', image: {} },
  { label: 'ImageNet mean/std, RGB', detail: '(x/255 − [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225] (torchvision, timm)', image: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } },
  { label: 'ImageNet mean/std, BGR', detail: 'the same on BGR channels (OpenCV-fed models, e.g. PaddleOCR detection)', image: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], channelOrder: 'bgr' } },
  { label: 'Scale to [−1, 1]', detail: '(x/255 − 0.5) / 0.5, RGB (PaddleOCR recognition, MobileNet TF-style)', image: { mean: [0.5], std: [0.5] } },
];

export interface CalibrationChoice { folder?: string; image?: ImageNormalization }

function hasImages(folder: string): boolean {
  try {
    return fs.readdirSync(folder).some((f) => IMAGE_FILE.test(f));
  } catch {
    return false;
  }
}

function describe(n: ImageNormalization): string {
  const parts = [n.mean ? `mean [${n.mean.join(', ')}]` : '', n.std ? `std [${n.std.join(', ')}]` : '', n.channelOrder === 'bgr' ? 'BGR' : 'RGB'];
  return parts.filter(Boolean).join(', ');
}

/** undefined when the user cancelled; `{}` for seeded random inputs. */
export async function pickCalibration(state: vscode.Memento | undefined, model: vscode.Uri): Promise<CalibrationChoice | undefined> {
  const setting = calibrationFolderSetting();
  const base = vscode.workspace.getWorkspaceFolder(model)?.uri.fsPath ?? path.dirname(model.fsPath);
  const key = `onnx2lite.calibrationFolder:${model.fsPath}`;
  const last = state?.get<string>(key);
  const choices = [
    ...(last ? [{ label: `$(history) ${last}`, detail: 'last used for this model', folder: last }] : []),
    ...(setting && path.resolve(base, setting) !== last ? [{ label: `$(folder) ${setting}`, detail: 'onnx2lite.calibrationFolder', folder: path.resolve(base, setting) }] : []),
    { label: '$(folder-opened) Choose a folder of calibration inputs…', detail: '.npy, .pb, images or .wav', folder: '' },
    { label: '$(warning) Seeded random inputs', detail: 'ranges will not be representative of real data', folder: RANDOM },
  ];
  const c = await vscode.window.showQuickPick(choices, { title: 'Calibration data for full-integer int8' });
  if (!c) return undefined;
  if (c.folder === RANDOM) return {};
  const folder = c.folder || (await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, title: 'Calibration folder' }))?.[0]?.fsPath;
  if (!folder) return undefined;
  void state?.update(key, folder);
  if (!hasImages(folder)) return { folder };
  const normKey = `onnx2lite.imageNormalization:${model.fsPath}`;
  const lastNorm = state?.get<ImageNormalization>(normKey);
  const items = [
    ...(lastNorm ? [{ label: '$(history) As last time', detail: describe(lastNorm), image: lastNorm }] : []),
    ...PRESETS,
  ];
  const n = await vscode.window.showQuickPick(items, { title: 'How does the model normalize its image input?', placeHolder: 'Calibration images are fed as the model saw its training data' });
  if (!n) return undefined;
  void state?.update(normKey, n.image);
  return { folder, image: n.image };
}

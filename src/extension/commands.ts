// Commands: Convert to TFLite…, Compare accuracy, Deploy to device, Reveal node. Long work runs in a worker thread
// with a cancellable progress notification; its log goes to the onnx2lite output channel.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Quantization } from '../worker/messages';
import type { WorkerMethod, WorkerMethods } from '../worker/messages';
import { runJob } from './worker-client';
import { QUANT_MODES, convertedPath, sourceModelOf } from '../quantize/modes';
import type { ModelEditorProvider } from './model-editor';
import { pickCalibration, type CalibrationChoice } from './calibration-pick';
import { defaultQuantization, devicesSetting, inputShapesSetting, inputValuesSetting } from './settings';

export interface CommandContext {
  workerScript: string;
  log: vscode.OutputChannel;
  editors: ModelEditorProvider;
  /** Remembers the calibration folder per model (the workspace state). */
  state?: vscode.Memento;
}



function activeModel(ext: string): vscode.Uri | undefined {
  const tab = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  const uri = tab instanceof vscode.TabInputCustom || tab instanceof vscode.TabInputText ? tab.uri : undefined;
  return uri && uri.fsPath.toLowerCase().endsWith(ext) ? uri : undefined;
}

async function pickFile(ext: string, title: string, near?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const r = await vscode.window.showOpenDialog({
    title, canSelectMany: false, filters: { [ext]: [ext.slice(1)] }, defaultUri: near ? vscode.Uri.file(path.dirname(near.fsPath)) : undefined,
  });
  return r?.[0];
}

function sizeText(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} KB`;
}

/** Runs a job with a cancellable progress notification; errors are shown (or 'retry' when `retry` accepts them). */
async function withJob<K extends WorkerMethod>(c: CommandContext, title: string, method: K, params: WorkerMethods[K]['params'],
  retry?: (e: Error & { code?: string }) => boolean): Promise<WorkerMethods[K]['result'] | undefined | 'retry'> {
  c.log.appendLine(`${title}…`);
  try {
    return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) =>
      runJob(c.workerScript, method, params, (m) => { progress.report({ message: m }); c.log.appendLine(`  ${m}`); },
        (cancel) => token.onCancellationRequested(cancel)));
  } catch (e) {
    const msg = (e as Error).message;
    c.log.appendLine(`${title}: ${msg}`);
    if (retry?.(e as Error)) return 'retry';
    if (msg === 'cancelled') void vscode.window.showInformationMessage(`${title}: cancelled`);
    else void vscode.window.showErrorMessage(`${title} failed: ${msg}`, 'Show Output').then((a) => { if (a) c.log.show(); });
    return undefined;
  }
}

export async function convertCommand(c: CommandContext, arg?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const uri = arg?.fsPath.toLowerCase().endsWith('.onnx') ? arg : activeModel('.onnx') ?? await pickFile('.onnx', 'ONNX model to convert');
  if (!uri) return undefined;
  const def = defaultQuantization();
  const items = [...QUANT_MODES].sort((a, b) => Number(b.id === def) - Number(a.id === def))
    .map((x) => ({ label: x.label, detail: x.detail, description: x.id === def ? 'default' : undefined, q: x.id as Quantization, needsCalibration: x.needsCalibration }));
  const pick = await vscode.window.showQuickPick(items, { title: `Convert ${path.basename(uri.fsPath)} to TFLite`, placeHolder: 'Quantization' });
  if (!pick) return undefined;
  let calibration: CalibrationChoice = {};
  if (pick.needsCalibration) {
    const chosen = await pickCalibration(c.state, uri);
    if (!chosen) return undefined;
    calibration = chosen;
  }
  const out = convertedPath(uri.fsPath, pick.q);
  const t0 = Date.now();
  const job = { file: uri.fsPath, out, quantization: pick.q, calibrationFolder: calibration.folder, ...(calibration.image ? { image: calibration.image } : {}), inputShapes: inputShapesSetting(), inputValues: inputValuesSetting() };
  const title = `Converting ${path.basename(uri.fsPath)} (${pick.label})`;
  // The int8 accuracy guard (and float32's self-check under cosine 0.99) refuses a degraded model: say why and offer
  // to write it anyway.
  let r = await withJob(c, title, 'convert', job, (e) => /below --min-cosine|beyond the verified bar/.test(e.message));
  if (r === 'retry') {
    const a = await vscode.window.showWarningMessage(pick.q === 'int8' ? 'The int8 model misses the accuracy guard (output cosine on the calibration samples); nothing was written. See the Output panel for the layers to blame.' : 'The converted model differs from onnxruntime (self-check cosine under 0.99); nothing was written. See the Output panel.',
      'Write anyway', 'Show Output');
    if (a === 'Show Output') c.log.show();
    if (a !== 'Write anyway') return undefined;
    r = await withJob(c, title, 'convert', { ...job, allowDegraded: true });
  }
  if (!r || r === 'retry') return undefined;
  for (const n of r.notes) c.log.appendLine(`  note: ${n}`);
  c.log.appendLine(`wrote ${r.out} (${sizeText(r.bytes)}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const outUri = vscode.Uri.file(r.out);
  void vscode.window.showInformationMessage(`Converted to ${path.basename(r.out)} (${sizeText(r.bytes)})${r.verified ? `; ${r.verified}` : ''}`, 'Open', 'Compare accuracy', 'Deploy to device')
    .then((a) => {
      if (a === 'Open') void vscode.commands.executeCommand('vscode.openWith', outUri, 'onnx2lite.modelViewer');
      if (a === 'Compare accuracy') void compareCommand(c, uri, outUri);
      if (a === 'Deploy to device') void deployCommand(c, outUri);
    });
  return outUri;
}

export async function compareCommand(c: CommandContext, arg?: vscode.Uri, tfliteArg?: vscode.Uri): Promise<void> {
  let onnx = arg?.fsPath.toLowerCase().endsWith('.onnx') ? arg : activeModel('.onnx');
  let tflite = tfliteArg ?? (arg?.fsPath.toLowerCase().endsWith('.tflite') ? arg : undefined);
  if (!onnx && tflite) {
    const guess = sourceModelOf(tflite.fsPath);
    if (fs.existsSync(guess)) onnx = vscode.Uri.file(guess);
  }
  onnx ??= await pickFile('.onnx', 'ONNX model (the reference)');
  if (!onnx) return;
  if (!tflite) {
    const dir = path.dirname(onnx.fsPath);
    const stem = path.basename(onnx.fsPath).replace(/\.onnx$/i, '');
    const siblings = fs.readdirSync(dir).filter((f) => f.startsWith(stem) && f.toLowerCase().endsWith('.tflite'));
    const items = [...siblings.map((f) => ({ label: f, file: path.join(dir, f) })), { label: '$(folder-opened) Choose a .tflite…', file: '' }];
    const pick = await vscode.window.showQuickPick(items, { title: `Compare ${stem}.onnx with` });
    if (!pick) return;
    tflite = pick.file ? vscode.Uri.file(pick.file) : await pickFile('.tflite', 'TFLite model to compare', onnx);
    if (!tflite) return;
  }
  const report = await withJob(c, `Comparing ${path.basename(onnx.fsPath)} with ${path.basename(tflite.fsPath)}`, 'compare', { onnx: onnx.fsPath, tflite: tflite.fsPath });
  if (!report || report === 'retry') return;
  const fd = report.firstDivergence;
  c.log.appendLine(`${report.layers.length} layers compared; ${fd ? `first divergence at ${fd.node}` : 'no divergence flagged'}`);
  await c.editors.showAccuracy(onnx, report, `Accuracy: ${path.basename(onnx.fsPath)} → ${path.basename(tflite.fsPath)}`);
}

export async function deployCommand(c: CommandContext, arg?: vscode.Uri): Promise<void> {
  const tflite = arg?.fsPath.toLowerCase().endsWith('.tflite') ? arg : activeModel('.tflite') ?? await pickFile('.tflite', 'TFLite model to deploy');
  if (!tflite) return;
  const devices = devicesSetting();
  if (devices.length === 0) {
    const a = await vscode.window.showWarningMessage('No device configured: add one to onnx2lite.devices (host, user, keyFile).', 'Open Settings');
    if (a) void vscode.commands.executeCommand('workbench.action.openSettings', 'onnx2lite.devices');
    return;
  }
  const pick = await vscode.window.showQuickPick(devices.map((d) => ({ label: d.name, detail: `${d.user ? `${d.user}@` : ''}${d.host}${d.port ? `:${d.port}` : ''}`, d })), { title: `Deploy ${path.basename(tflite.fsPath)} to` });
  if (!pick) return;
  const d = pick.d;
  const host = `${d.user ? `${d.user}@` : ''}${d.host}${d.port ? `:${d.port}` : ''}`;
  const onnx = sourceModelOf(tflite.fsPath);
  const job = { model: tflite.fsPath, host, identity: d.keyFile, remoteDir: d.remoteDir, reference: fs.existsSync(onnx) ? onnx : undefined, acceptNewHost: false };
  const title = `Deploying ${path.basename(tflite.fsPath)} to ${d.name}`;
  let report = await withJob(c, title, 'deploy', job, (e) => e.code === 'unknown-host');
  if (report === 'retry') {
    const ok = await vscode.window.showWarningMessage(`${d.host} is not a known host. Trust its key and connect?`,
      { modal: true, detail: 'Its key is recorded in ~/.ssh/known_hosts.' }, 'Trust and Connect');
    if (ok !== 'Trust and Connect') return;
    report = await withJob(c, title, 'deploy', { ...job, acceptNewHost: true });
  }
  if (!report || report === 'retry') return;
  const t = report.timings;
  c.log.appendLine(JSON.stringify(report, null, 2));
  const acc = report.accuracy?.length ? `, max abs error vs ONNX ${Math.max(...report.accuracy.map((a) => a.maxAbs)).toExponential(2)}` : '';
  void vscode.window.showInformationMessage(`${d.name} (${report.device.model ?? report.device.arch}): p50 ${t.p50Ms.toFixed(1)} ms, `
    + `p90 ${t.p90Ms.toFixed(1)} ms, p99 ${t.p99Ms.toFixed(1)} ms, peak RSS ${report.peakRssMb.toFixed(0)} MB${acc}`, 'Show Output')
    .then((a) => { if (a) c.log.show(); });
}

// The VS Code extension's entry point: the model viewer (custom editor), the commands, and compatibility problems.
import * as vscode from 'vscode';
import { WorkerClient } from './worker-client';
import { ModelEditorProvider, VIEW_TYPE } from './model-editor';
import { REVEAL_COMMAND, RevealActions } from './diagnostics';
import { compareCommand, convertCommand, deployCommand } from './commands';
import type { CommandContext } from './commands';

let worker: WorkerClient | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const workerScript = vscode.Uri.joinPath(context.extensionUri, 'dist', 'worker.js').fsPath;
  worker = new WorkerClient(workerScript);
  const log = vscode.window.createOutputChannel('onnx2lite');
  const diagnostics = vscode.languages.createDiagnosticCollection('onnx2lite');
  const editors = new ModelEditorProvider(context, worker, diagnostics, log);
  const c: CommandContext = { workerScript, log, editors, state: context.workspaceState };
  context.subscriptions.push(
    log, diagnostics,
    vscode.window.registerCustomEditorProvider(VIEW_TYPE, editors, { supportsMultipleEditorsPerDocument: true }),
    vscode.commands.registerCommand('onnx2lite.convert', (uri?: vscode.Uri) => convertCommand(c, uri)),
    vscode.commands.registerCommand('onnx2lite.compare', (uri?: vscode.Uri, tflite?: vscode.Uri) => compareCommand(c, uri, tflite)),
    vscode.commands.registerCommand('onnx2lite.deploy', (uri?: vscode.Uri) => deployCommand(c, uri)),
    vscode.commands.registerCommand(REVEAL_COMMAND, (uri: string | vscode.Uri, node: string) =>
      editors.reveal(typeof uri === 'string' ? vscode.Uri.parse(uri) : uri, node)),
    vscode.languages.registerCodeActionsProvider({ pattern: '**/*.onnx' }, new RevealActions(), { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }),
  );
}

export function deactivate(): Promise<void> | undefined {
  return worker?.dispose();
}

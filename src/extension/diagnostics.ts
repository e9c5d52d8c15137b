// Compatibility verdicts as VS Code diagnostics on the .onnx file (Problems panel): what will not convert or will
// not quantize, with the reason and the fix. Each problem's code links to a command that reveals its node.
import * as vscode from 'vscode';
import type { CompatReport, NodeVerdict } from '../shared/compat-types';

export const REVEAL_COMMAND = 'onnx2lite.revealNode';

function revealLink(uri: vscode.Uri, node: string): vscode.Uri {
  return vscode.Uri.parse(`command:${REVEAL_COMMAND}?${encodeURIComponent(JSON.stringify([uri.toString(), node]))}`);
}

function problem(uri: vscode.Uri, node: string, message: string, severity: vscode.DiagnosticSeverity): vscode.Diagnostic {
  const d = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 0), message, severity);
  d.source = 'onnx2lite';
  d.code = { value: node || 'model', target: revealLink(uri, node) };
  return d;
}

function withFix(text: string, fix: string | undefined): string { return fix ? `${text} — fix: ${fix}` : text; }

export function diagnosticsFor(uri: vscode.Uri, r: CompatReport): vscode.Diagnostic[] {
  const out: vscode.Diagnostic[] = [];
  for (const m of r.modelIssues) {
    out.push(problem(uri, m.input ?? '', withFix(m.message, m.fix), vscode.DiagnosticSeverity.Warning));
  }
  for (const v of r.nodes as NodeVerdict[]) {
    if (v.status !== 'builtin') {
      const what = v.status === 'flex' ? 'needs Flex (select TF ops)' : 'will not convert';
      out.push(problem(uri, v.node, withFix(`${v.opType} node ${v.node} ${what}: ${v.reason ?? 'no TFLite builtin'}`, v.fix),
        v.status === 'flex' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Error));
    } else if (!v.int8 && !v.folded) {
      out.push(problem(uri, v.node, `${v.opType} node ${v.node} will not quantize to int8: ${v.int8Reason ?? 'no int8 kernel'}`,
        vscode.DiagnosticSeverity.Information));
    }
  }
  return out;
}

/** Quick fix "Reveal node in graph" for editors that show these diagnostics with a code-action lightbulb. */
export class RevealActions implements vscode.CodeActionProvider {
  provideCodeActions(doc: vscode.TextDocument, _r: vscode.Range, ctx: vscode.CodeActionContext): vscode.CodeAction[] {
    return ctx.diagnostics.filter((d) => d.source === 'onnx2lite').map((d) => {
      const node = typeof d.code === 'object' ? String(d.code.value) : '';
      const a = new vscode.CodeAction(`Reveal ${node} in the graph`, vscode.CodeActionKind.QuickFix);
      a.command = { command: REVEAL_COMMAND, title: 'Reveal node', arguments: [doc.uri.toString(), node] };
      a.diagnostics = [d];
      return a;
    });
  }
}

// Runs code-server (VS Code 1.100 in the browser, installed by ../shared/tools/install-code-server.sh into a cache
// folder) with its own user-data and extensions folders, and drives it with Debian's Chromium.
import { spawn, execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const CODE_SERVER_DIR = process.env.ONNX2LITE_CODE_SERVER_DIR ?? path.join(os.homedir(), '.cache/onnx2lite/code-server');
export const CODE_SERVER = path.join(CODE_SERVER_DIR, 'node_modules/.bin/code-server');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
    s.on('error', reject);
  });
}

export interface CodeServer { url: string; proc: ChildProcess; log: string[]; stop(): Promise<void> }

export function installExtension(userData: string, extensions: string, vsix: string): void {
  execFileSync(CODE_SERVER, ['--user-data-dir', userData, '--extensions-dir', extensions, '--install-extension', vsix],
    { stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
}

export async function startCodeServer(userData: string, extensions: string, folder: string): Promise<CodeServer> {
  const port = await freePort();
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userData, 'User/settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false, 'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false, 'extensions.autoUpdate': false, 'workbench.tips.enabled': false,
    'update.mode': 'none', 'workbench.enableExperiments': false, 'chat.commandCenter.enabled': false,
  }));
  const proc = spawn(CODE_SERVER, ['--user-data-dir', userData, '--extensions-dir', extensions, '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', folder],
  { stdio: ['ignore', 'pipe', 'pipe'], detached: false });
  const log: string[] = [];
  proc.stdout?.on('data', (d) => log.push(String(d)));
  proc.stderr?.on('data', (d) => log.push(String(d)));
  const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}`;
  // Ready when it answers HTTP.
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`code-server exited: ${log.join('')}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url, proc, log,
    stop: () => new Promise<void>((resolve) => {
      if (proc.exitCode !== null) { resolve(); return; }
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    }),
  };
}

// Runs the real CLI (from source, through tsx) as a child process with its own HOME and no ssh-agent.
import { spawn } from 'node:child_process';
import * as path from 'node:path';

export interface CliResult { code: number | null; stdout: string; stderr: string }

export function runCli(args: string[], opts: { home?: string; timeoutMs?: number; onSpawn?: (pid: number) => void } = {}): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.SSH_AUTH_SOCK;
  if (opts.home) env.HOME = opts.home;
  const main = path.resolve('src/cli/main.ts');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid !== undefined) opts.onSpawn?.(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`CLI did not finish: ${args.join(' ')}\n${stderr}`)); }, opts.timeoutMs ?? 180_000);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

// The one error type deploy throws: a user-facing line plus a code the VS Code command can act on.

export type DeployErrorCode =
  | 'bad-input' | 'unknown-host' | 'host-key-changed' | 'host-key-revoked' | 'auth-failed' | 'connect-failed'
  | 'timeout' | 'connection-lost' | 'remote-failed' | 'no-python' | 'no-numpy' | 'no-runtime' | 'run-failed'
  | 'cancelled';

export class DeployError extends Error {
  /** The CLI prints it as one line without a stack. */
  readonly userFacing = true;
  readonly code: DeployErrorCode;
  /** For 'unknown-host': what the user is asked to accept. */
  readonly hostKey?: { host: string; port: number; keyType: string; fingerprint: string; key: Buffer };
  constructor(code: DeployErrorCode, message: string, hostKey?: DeployError['hostKey']) {
    super(message);
    this.name = 'DeployError';
    this.code = code;
    this.hostKey = hostKey;
  }
}

export function cancelled(): DeployError {
  return new DeployError('cancelled', 'deploy cancelled');
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelled();
}

// Which errors are the user's to read as one line (a bad model, a wrong flag, a deploy problem, an output path that
// cannot be written) and which are bugs: the one rule the CLI (src/cli/main.ts) and the worker thread
// (src/worker/worker.ts) print by. By name and flag, not by class, so that the lean worker bundle imports nothing.

/** The error names that are user-facing: ModelError (and the converter's ConvertError, a ModelError), UsageError,
 *  DeployError. Anything else may set `userFacing: true`. */
const USER_FACING = new Set(['ModelError', 'UsageError', 'DeployError']);

export function isUserFacing(err: unknown): err is Error {
  if (!(err instanceof Error)) return false;
  return USER_FACING.has(err.name) || (err as { userFacing?: unknown }).userFacing === true;
}

/** A message as one printable line: control characters a model's names can carry (newlines, ANSI escapes) are
 *  written as escapes, so an error stays one line and cannot drive the terminal. */
export function oneLine(message: string): string {
  // eslint-disable-next-line no-control-regex
  return message.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

// What a CLI subcommand file exports.
export interface Command {
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

/** A wrong option or argument: printed as one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parses repeatable `--input-shape name=1,3,224,224` values into a map. */
export function parseInputShapes(values: string[] | undefined): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const v of values ?? []) {
    const eq = v.lastIndexOf('=');
    if (eq <= 0) throw new UsageError(`--input-shape "${v}" is not of the form name=1,3,224,224`);
    const name = v.slice(0, eq);
    const dims = v.slice(eq + 1).split(',').map((s) => Number(s.trim()));
    if (dims.length === 0 || dims.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      throw new UsageError(`--input-shape "${v}": dims must be non-negative integers separated by commas`);
    }
    out.set(name, dims);
  }
  return out;
}

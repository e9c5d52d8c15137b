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

/** `--input-value NAME=V[,V...]` (repeatable): inputs frozen to constants. */
export function parseInputValues(values: string[] | undefined): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const v of values ?? []) {
    const eq = v.lastIndexOf('=');
    if (eq <= 0) throw new UsageError(`--input-value "${v}" is not of the form name=16000 or name=1,2,3`);
    const name = v.slice(0, eq);
    const text = v.slice(eq + 1).split(',').map((s) => s.trim());
    const nums = text.map((s) => (s === 'true' ? 1 : s === 'false' ? 0 : s === '' ? NaN : Number(s)));
    if (nums.some((x) => !Number.isFinite(x))) throw new UsageError(`--input-value "${v}": values must be numbers separated by commas`);
    if (out.has(name)) throw new UsageError(`--input-value gives "${name}" twice`);
    out.set(name, nums);
  }
  return out;
}

/** `--mean A[,B,C]`, `--std A[,B,C]` and `--channel-order rgb|bgr` for image inputs (calibration images and
 *  compare's --inputs image). */
export function imageFlags(values: { mean?: unknown; std?: unknown; 'channel-order'?: unknown }): { mean?: number[]; std?: number[]; channelOrder?: 'rgb' | 'bgr' } {
  const std = numberList('std', values.std as string | undefined);
  if (std?.some((s) => s === 0)) throw new UsageError('--std values must not be 0');
  const order = values['channel-order'] as string | undefined;
  if (order !== undefined && order !== 'rgb' && order !== 'bgr') throw new UsageError(`--channel-order takes rgb or bgr, not "${order}"`);
  return { mean: numberList('mean', values.mean as string | undefined), std, ...(order ? { channelOrder: order } : {}) };
}

function numberList(flag: string, v: string | undefined): number[] | undefined {
  if (v === undefined) return undefined;
  const out = v.split(',').map((s) => Number(s.trim()));
  if (out.length === 0 || out.some((x) => !Number.isFinite(x))) throw new UsageError(`--${flag} takes numbers separated by commas, got "${v}"`);
  return out;
}

/** Parses repeatable `--input-shape name=1,3,224,224` values into a map. */
export function parseInputShapes(values: string[] | undefined): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const v of values ?? []) {
    const eq = v.lastIndexOf('=');
    if (eq <= 0) throw new UsageError(`--input-shape "${v}" is not of the form name=1,3,224,224`);
    const name = v.slice(0, eq);
    if (v.slice(eq + 1).trim() === '') throw new UsageError(`--input-shape "${v}" gives no dims (e.g. ${name}=1,3,224,224)`);
    const dims = v.slice(eq + 1).split(',').map((s) => Number(s.trim()));
    if (dims.length === 0 || dims.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      throw new UsageError(`--input-shape "${v}": dims must be non-negative integers separated by commas`);
    }
    out.set(name, dims);
  }
  return out;
}

// A protobuf message walked field by field over a byte range, for the graph view's lean read of ONNX files
// (lean-reader.ts): protobufjs's Reader does the wire format, the caller knows which fields matter.
import { numberReader } from './number-reader';

/** Anything the lean read does not cover: the caller falls back to the full read. */
export class Unsupported extends Error {}

export type Visit = (field: number, wire: number, r: Reader) => void;

/** protobufjs's Reader (int64 as numbers, src/onnx/number-reader.ts) walked field by field over a byte range: the
 *  wire format is the library's; which fields matter is ONNX's schema, below. */
export class Reader {
  readonly pb: ReturnType<typeof numberReader>;
  readonly raw: { pos: number; len: number };
  /** Where the current field's bytes begin and end (valid inside visit). */
  start = 0;
  end = 0;
  /** A varint field's value. */
  value = 0;
  /** Where the varint int64At read ends. */
  after = 0;
  constructor(readonly buf: Buffer) {
    this.pb = numberReader(buf);
    this.raw = this.pb as unknown as { pos: number; len: number };
  }

  /** The int64 varint at `at` (inside [at, limit)). */
  int64At(at: number, limit: number): number {
    const { pos, len } = this.raw;
    this.raw.pos = at;
    this.raw.len = limit;
    try {
      const v = this.pb.int64() as unknown as number;
      this.after = this.raw.pos;
      return v;
    } finally {
      this.raw.pos = pos;
      this.raw.len = len;
    }
  }

  /** Calls visit for each field of the message in [from, to): a field's bytes (a length-delimited field's
   *  contents) in [start, end), a varint's value in `value`. */
  fields(from: number, to: number, visit: Visit): void {
    const r = this.raw;
    const len = r.len;
    r.pos = from;
    r.len = to;
    try {
      while (r.pos < to) {
        const tag = this.pb.uint32();
        const field = tag >>> 3, wire = tag & 7;
        if (wire === 0) { this.start = r.pos; this.value = this.pb.int64() as unknown as number; this.end = r.pos; }
        else if (wire === 2) { const n = this.pb.uint32(); this.start = r.pos; this.pb.skip(n); this.end = r.pos; }
        else if (wire === 1 || wire === 5) { this.start = r.pos; this.pb.skip(wire === 1 ? 8 : 4); this.end = r.pos; }
        else throw new Unsupported();
        const next = r.pos;
        visit(field, wire, this);
        r.pos = next;
        r.len = to;
      }
    } finally {
      r.len = len;
    }
  }

  text(): string { return this.buf.toString('utf8', this.start, this.end); }
  /** The bytes of a length-delimited field as [start, end). */
  span(): [number, number] { return [this.start, this.end]; }
}

/** The int64 varint field visited now; with `exact`, refused (the full reader says why) past 53 bits. */
export function int64(r: Reader, exact: boolean): number {
  const n = r.int64At(r.start, r.end);
  if (exact && !Number.isSafeInteger(n)) throw new Unsupported();
  return n;
}

/** Every int64 of a repeated field visited now, packed or not. */
export function int64s(r: Reader, wire: number, out: number[], exact: boolean): void {
  const [s, e] = r.span();
  for (let at = s; at < e; at = r.after) {
    const n = r.int64At(at, e);
    if (exact && !Number.isSafeInteger(n)) throw new Unsupported();
    out.push(n);
    if (wire === 0) break;
  }
}

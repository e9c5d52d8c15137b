// The bytes of an .onnx file that the graph view's lean read looks at, without the weights: the ModelProto as it is,
// with every initializer's data fields (raw_data, float_data, …) left out. The file is read in windows and the
// weights are skipped over, so opening swin_t (115 MB) reads a few MB instead of copying the whole file first.
// Anything unexpected (a field it cannot walk) gives undefined, and the caller reads the whole file.
import * as fs from 'node:fs';

/** TensorProto fields holding data: float_data, int32_data, string_data, int64_data, raw_data, double_data, uint64_data. */
const DATA_FIELDS = new Set([4, 5, 6, 7, 9, 10, 11]);
const WINDOW = 1 << 16;
/** The read after a jump (past a big weight, or back): the next initializer's header (name, dims, type) is a few
 *  dozen bytes, and a whole window there per weight copied 3.3 MB for squeezenet1_1's 52; reads that go on near the
 *  last one (small weights, the nodes) take whole windows. */
const JUMP = 1 << 12;

class FileCursor {
  private buf = Buffer.alloc(WINDOW);
  private at = 0;
  private len = 0;
  constructor(private readonly fd: number, readonly size: number) {}

  byte(pos: number): number {
    if (pos < this.at || pos >= this.at + this.len) {
      const past = pos - (this.at + this.len), far = past >= WINDOW || past < 0;
      this.at = pos;
      this.len = fs.readSync(this.fd, this.buf, 0, far ? JUMP : WINDOW, pos);
      if (this.len <= 0) throw new RangeError('past the end');
    }
    return this.buf[pos - this.at];
  }

  /** A varint at `pos`: its value (exact below 2^53) and the position after it. */
  varint(pos: number): [number, number] {
    let v = 0, mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte(pos++);
      v += (b & 0x7f) * mul;
      if (b < 0x80) return [v, pos];
      mul *= 128;
    }
    throw new RangeError('bad varint');
  }

  bytes(from: number, to: number): Buffer {
    // A short field (a name, dims, a node) is copied out of the window, read once for the fields around it: a read
    // per field was most of the host's time reading a small model's graph (squeezenet1_1: 300 reads).
    if (to - from <= WINDOW >> 2) {
      if (from < this.at || to > this.at + this.len) this.byte(from);
      if (to <= this.at + this.len) return Buffer.from(this.buf.subarray(from - this.at, to - this.at));
    }
    const out = Buffer.alloc(to - from);
    let done = 0;
    while (done < out.length) {
      const n = fs.readSync(this.fd, out, done, out.length - done, from + done);
      if (n <= 0) throw new RangeError('past the end');
      done += n;
    }
    return out;
  }

  /** Calls `each(field, wire, start, payloadStart, end)` for the fields in [from, to). */
  fields(from: number, to: number, each: (f: number, w: number, start: number, payload: number, end: number) => void): void {
    let pos = from;
    while (pos < to) {
      const start = pos;
      const [tag, p] = this.varint(pos);
      const f = Math.floor(tag / 8), w = tag % 8;
      let payload = p, end: number;
      if (w === 0) end = this.varint(p)[1];
      else if (w === 1) end = p + 8;
      else if (w === 5) end = p + 4;
      else if (w === 2) { const [n, q] = this.varint(p); payload = q; end = q + n; } else throw new RangeError('unsupported wire type');
      if (end > to || f === 0) throw new RangeError('field past its message');
      each(f, w, start, payload, end);
      pos = end;
    }
  }
}

function varintBytes(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) { out.push((n % 128) | 0x80); n = Math.floor(n / 128); }
  out.push(n);
  return Buffer.from(out);
}

/** A length-delimited field `f` around `parts`. */
function wrap(f: number, parts: Buffer[]): Buffer[] {
  const len = parts.reduce((s, p) => s + p.length, 0);
  return [varintBytes(f * 8 + 2), varintBytes(len), ...parts];
}

/** The file's ModelProto without initializer data, or undefined when it cannot be walked that way. */
export function onnxBytesWithoutWeights(file: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const c = new FileCursor(fd, fs.fstatSync(fd).size);
    const top: Buffer[] = [];
    c.fields(0, c.size, (f, w, start, payload, end) => {
      if (f !== 7 || w !== 2) { top.push(c.bytes(start, end)); return; }
      const graph: Buffer[] = [];
      let copyFrom = -1, copyTo = -1;
      const flush = (): void => { if (copyFrom >= 0) graph.push(c.bytes(copyFrom, copyTo)); copyFrom = -1; };
      c.fields(payload, end, (gf, gw, gs, gp, ge) => {
        if (gf !== 5 || gw !== 2) { if (copyFrom < 0) copyFrom = gs; copyTo = ge; return; }
        flush();
        const tensor: Buffer[] = [];
        c.fields(gp, ge, (tf, _tw, ts, _tp, te) => { if (!DATA_FIELDS.has(tf)) tensor.push(c.bytes(ts, te)); });
        graph.push(...wrap(5, tensor));
      });
      flush();
      top.push(...wrap(7, graph));
    });
    return Buffer.concat(top);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

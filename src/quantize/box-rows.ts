// Box tables judged on the rows their score table calls foreground. An SSD-style detector gives a table of per-row
// class scores ([.., N, C], score-rows.ts) beside a table of boxes ([.., N, 4], the same N: one box per prior). Nearly
// every box belongs to a background row nobody reads, and a box's coordinates are dominated by where it sits in the
// picture, so the boxes' cosine (0.9999 whole or on the foreground rows, centered or not) cannot see a face's box
// moved by a tenth of its width: Ultra-Light face detectors' int8 read boxes cosine 0.9999 while their boxes on the
// face rows had IoU 0.944 with onnxruntime's (fp16 0.999, dynamic 0.995) and slim-320 lost 24 of 671 faces to it even
// calibrated on the photos. Here such a box table is judged by the mean IoU of its boxes against the reference's on
// the foreground rows of its score table (a row whose best non-background score reaches FG_SCORE in either output),
// pooled over the samples. The IoU enters the guard's measure on the cosine's scale: 1 − (1 − IoU) · BOX_IOU_SCALE,
// so MIN_BOX_IOU reads as the default --min-cosine 0.99. Boxes are corners (x1, y1, x2, y2) when every judged
// reference row has x2 ≥ x1 and y2 ≥ y1, else centre and size when every width and height is ≥ 0, else not judged
// (regression offsets before a decode). Pairing is by shape alone: no output name or model is assumed.
import type { Tensor } from '../ir/types';
import type { TflSubgraph } from '../tflite/model';
import type { OnnxLiteMetadata } from '../convert/metadata';
import { boxIou } from '../compare/detection-sets';
import { backgroundClass, foregroundRows } from './score-rows';

/** The mean foreground box IoU that reads as cosine 0.99 (the default guard). */
export const MIN_BOX_IOU = 0.97;
/** What one unit of IoU lost costs on the cosine's scale: (1 − 0.99) / (1 − MIN_BOX_IOU). */
export const BOX_IOU_SCALE = (1 - 0.99) / (1 - MIN_BOX_IOU);

/** A box table's IoU as the guard's measure (cosine scale). */
export const boxCosine = (iou: number): number => 1 - (1 - iou) * BOX_IOU_SCALE;

export interface BoxRows {
  /** Box outputs judged (ONNX names), the foreground rows judged over all samples, and their mean IoU (1 when none). */
  outputs: string[];
  rows: number;
  iou: number;
}

/** An output as the box rule reads it: its ONNX name, ONNX dims and whether its values are float. */
export interface OutputShape { name: string; dims: readonly number[]; float: boolean }

/** Rows of a table `width` wide: the product of the dims before the last, -1 when the last is not `width`. */
const rowsOf = (dims: readonly number[], width: number) => (dims.length >= 2 && dims.at(-1) === width ? dims.slice(0, -1).reduce((a, d) => a * d, 1) : -1);

/** The one rule for "a box table of the same rows beside a class-row table", from shapes alone: a float output
 *  ([.., N, 4], N ≥ 2 rows, counted over every dim before the last) that is not itself a class-row table, beside a
 *  class-row table of the same N rows ([.., N, C]). By name: box → class table. The guard reads it on onnxruntime's
 *  outputs (pairedBoxTables), the sequence guard on the TFLite outputs (a class table with boxes beside it is a
 *  detector's, not a label sequence: sequence-guard.ts), the search's choice of measure (sensitivity.ts) and the int8
 *  pass's box decode (int8-box-decode.ts) on the same rule. */
export function boxTablesBeside(outputs: OutputShape[], classTables: ReadonlySet<string>): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const name of classTables) {
    const table = outputs.find((o) => o.name === name);
    // Integer class ids (an ARG_MAX's [1, H, W] label map, task-signal.ts) are no table of class scores.
    if (!table?.float) continue;
    const n = rowsOf(table.dims, table.dims.at(-1)!);
    if (n < 2) continue;
    for (const o of outputs) {
      if (classTables.has(o.name) || pairs.has(o.name) || !o.float) continue;
      if (rowsOf(o.dims, 4) === n) pairs.set(o.name, table.name);
    }
  }
  return pairs;
}

/** A converted model's outputs as the box rule reads them: ONNX names and dims (through the metadata's perm), float
 *  when the values are real numbers (float, or int8 / int16 with a scale), not integer ids. */
export function tfliteOutputShapes(sg: TflSubgraph, metadata: Pick<OnnxLiteMetadata, 'outputs'>): OutputShape[] {
  return sg.outputs.flatMap((o, j) => {
    const m = metadata.outputs.find((x) => x.tflite === o) ?? metadata.outputs[j];
    if (!m) return [];
    const t = sg.tensors[o];
    const dims = new Array<number>(t.shape.length);
    t.shape.forEach((d, i) => { dims[m.perm[i] ?? i] = d; });
    return [{ name: m.onnx, dims, float: t.type === 'FLOAT32' || t.type === 'FLOAT16' || !!t.quantization?.scale?.length }];
  });
}

/** Box outputs paired with a score table of the same N on onnxruntime's outputs (the first sample): box → score table. */
export function pairedBoxTables(refs: Map<string, Tensor>[], scoreTables: Set<string>): Map<string, string> {
  const first = refs[0];
  if (!first) return new Map();
  return boxTablesBeside([...first].map(([name, t]) => ({ name, dims: t.dims, float: t.data instanceof Float32Array })), scoreTables);
}

/** x1, y1, x2, y2 of row `i` of a box table in `form`. */
function corners(b: Float32Array, i: number, form: 'corners' | 'centre'): [number, number, number, number] {
  const [p, q, r, s] = [b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]];
  return form === 'corners' ? [p, q, r, s] : [p - r / 2, q - s / 2, p + r / 2, q + s / 2];
}

/** The mean IoU of the paired box tables on their score tables' foreground rows, pooled over the samples. */
export function boxRowIou(refs: Map<string, Tensor>[], outputs: Map<string, Tensor>[], scoreTables: Set<string>): BoxRows {
  const judged: string[] = [];
  let rows = 0;
  let sum = 0;
  for (const [box, score] of pairedBoxTables(refs, scoreTables)) {
    const classes = refs[0]!.get(score)!.dims.at(-1)!;
    const background = backgroundClass(refs.map((r) => r.get(score)!.data as Float32Array), classes);
    const picked: { want: Float32Array; got: Float32Array; rows: number[] }[] = [];
    refs.forEach((r, k) => {
      const sw = r.get(score)?.data;
      const sg = outputs[k]?.get(score)?.data;
      const bw = r.get(box)?.data;
      const bg = outputs[k]?.get(box)?.data;
      if (!(sw instanceof Float32Array) || !(sg instanceof Float32Array) || !(bw instanceof Float32Array) || !(bg instanceof Float32Array)) return;
      if (sg.length !== sw.length || bg.length !== bw.length) return;
      picked.push({ want: bw, got: bg, rows: foregroundRows(sw, sg, classes, background) });
    });
    const all = picked.flatMap((p) => p.rows.map((i) => [p.want[4 * i], p.want[4 * i + 1], p.want[4 * i + 2], p.want[4 * i + 3]]));
    if (!all.length) continue;
    const form = all.every(([x1, y1, x2, y2]) => x2 >= x1 && y2 >= y1) ? 'corners' : all.every(([, , w, h]) => w >= 0 && h >= 0) ? 'centre' : undefined;
    if (!form) continue;
    judged.push(box);
    for (const p of picked) {
      for (const i of p.rows) {
        const v = boxIou(corners(p.want, i, form), 0, corners(p.got, i, form), 0);
        sum += Number.isFinite(v) ? v : 0;
        rows++;
      }
    }
  }
  return { outputs: judged, rows, iou: rows ? sum / rows : 1 };
}

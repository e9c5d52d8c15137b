// ScatterND with reduction max / min / mul whose indices are computed at run time (or constant and repeating):
// TFLite's SCATTER_ND only adds the updates that land on one element, so the index rows are applied one after
// another, unrolled — row k's update slice is scattered alone (SLICE, SCATTER_ND into zeros, and the same scatter of
// ones marks where it lands) and combined with the result so far where it lands (MUL / MAXIMUM / MINIMUM, SELECT_V2).
// Repeated rows then combine in order, as onnxruntime and ONNX's reference do (scatternd_multiply: two updates of
// one slice). Only for a fixed count of index rows up to SERIAL_ROWS_MAX and data of static dims.
import type { Node } from '../../ir/types';
import { elementCount } from '../../ir/types';
import { attrString } from '../attrs';
import type { ConvertContext } from '../context';
import { identity } from '../layout';
import type { Emitter } from './_emit';

/** Most index rows unrolled (each is two SCATTER_NDs over the whole data). */
export const SERIAL_ROWS_MAX = 64;

const COMBINE: Record<string, string> = { max: 'MAXIMUM', min: 'MINIMUM', mul: 'MUL' };

/** Whether the node is a max / min / mul ScatterND this lowering takes (undefined), or why not (a line). */
export function serialReason(node: Node, ctx: ConvertContext): string | undefined {
  const r = attrString(node, 'reduction', 'none');
  const dims = ctx.dims(node.inputs[0]);
  const S = ctx.dims(node.inputs[1]);
  if (dims.some((d) => d < 0) || S.some((d) => d < 0)) return `ScatterND with reduction=${r} and computed indices needs the data and indices sized at conversion (fix the dims with --input-shape)`;
  const rows = elementCount(S.slice(0, -1));
  if (rows > SERIAL_ROWS_MAX) return `ScatterND with reduction=${r} and computed or repeated indices is applied row by row, up to ${SERIAL_ROWS_MAX} index rows (these are ${rows}); TFLite's SCATTER_ND only adds`;
  return undefined;
}

/** Writes the node's output: the data combined with each index row's update slice in turn. `coords`: int32
 *  [...L, m] wrapped into range. */
export function emitSerialScatter(e: Emitter, coords: number): void {
  const { ctx, node } = e;
  const [data, , updatesName] = node.inputs;
  const dims = ctx.dims(data);
  const cs = e.shape(coords);
  const m = cs[cs.length - 1]!;
  const rows = elementCount(cs.slice(0, -1));
  const rest = dims.slice(m);
  const combine = COMBINE[attrString(node, 'reduction', 'none')]!;
  const x = ctx.inputOnnx(data);
  const type = e.type(x);
  const out = ctx.output(node.outputs[0], identity(dims.length));
  const i32 = (v: number[], what: string) => ctx.constInt32(v, `${node.name}/${what}`, [v.length]);
  const c2 = e.reshape(coords, [rows, m]);
  const u = e.reshape(ctx.inputOnnx(updatesName), [rows, ...rest]);
  const shape = i32(dims, 'shape');
  const n1 = elementCount([1, ...rest]);
  const ones = type === 'FLOAT32' ? ctx.constFloat32(new Float32Array(n1).fill(1), [1, ...rest], `${node.name}/ones`)
    : ctx.constInt32(new Array<number>(n1).fill(1), `${node.name}/ones`, [1, ...rest]);
  let acc = x;
  for (let k = 0; k < rows; k++) {
    const ck = e.op('SLICE', [c2, i32([k, 0], `c${k}_at`), i32([1, m], 'c_size')], [1, m], 'INT32');
    const uk = e.op('SLICE', [u, i32([k, ...rest.map(() => 0)], `u${k}_at`), i32([1, ...rest], 'u_size')], [1, ...rest], type);
    const scattered = e.op('SCATTER_ND', [ck, uk, shape], dims, type);
    const hit = e.bin('GREATER', e.op('SCATTER_ND', [ck, ones, shape], dims, type), e.scalar(0, type));
    acc = e.select(hit, e.bin(combine, acc, scattered), acc, k === rows - 1 ? out : undefined);
  }
}

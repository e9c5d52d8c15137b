// A parameter input of a recurrent op (W, R, B, P) sliced per direction and gate rows: constant data when the input
// is constant, else STRIDED_SLICE of the computed tensor. Used by _recurrent.ts.
import { toFloat32 } from '../../ir/tensor';
import type { ConvertContext } from '../context';

/**
 * A parameter input of shape [dirs, rows, ...]: rows [from, to) of one direction as a tensor, from constant data
 * when the input is a constant, else sliced out of the computed tensor (STRIDED_SLICE). Each slice is made once.
 */
export class Param {
  readonly data?: Float32Array;
  readonly dims: number[];
  private readonly cache = new Map<string, number>();

  constructor(private readonly ctx: ConvertContext, readonly name: string, private readonly tag: string) {
    this.dims = ctx.shape(name);
    const c = ctx.constant(name);
    if (c) this.data = toFloat32(c);
  }

  /** The constant values of rows [from, to) of direction d (undefined when computed). */
  values(d: number, from: number, to: number): Float32Array | undefined {
    if (!this.data) return undefined;
    const inner = this.dims.slice(2).reduce((a, b) => a * b, 1);
    return this.data.subarray((d * this.dims[1] + from) * inner, (d * this.dims[1] + to) * inner);
  }

  tensor(d: number, from: number, to: number): number {
    const key = `${d},${from},${to}`;
    let t = this.cache.get(key);
    if (t !== undefined) return t;
    const shape = [to - from, ...this.dims.slice(2)];
    const name = `${this.tag}/d${d}_${from}_${to}`;
    const v = this.values(d, from, to);
    if (v) {
      t = this.ctx.constFloat32(v, shape, name);
    } else {
      const rest = this.dims.slice(2);
      t = this.ctx.temp(shape, 'FLOAT32', name);
      this.ctx.emit('STRIDED_SLICE', [this.ctx.inputOnnx(this.name), this.ctx.constInt32([d, from, ...rest.map(() => 0)], `${name}/begin`),
        this.ctx.constInt32([d + 1, to, ...rest], `${name}/end`), this.ctx.constInt32(this.dims.map(() => 1), `${name}/strides`)], [t],
      { beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 1, offset: false });
    }
    this.cache.set(key, t);
    return t;
  }
}

// The per-step math of the RNN / GRU / LSTM lowering (_recurrent.ts): elementwise ops where a known zero skips the
// math, gate activations (with the node's clip), splits, and the stacking / reshaping of steps. Everything is in
// ONNX order; no layout moves.
import type { Node } from '../../ir/types';
import { attrFloat } from '../attrs';
import type { ConvertContext } from '../context';
import { broadcastShape } from './_elementwise';

/** A tensor of the lowered graph, or undefined for a known all-zero value (skips the math on it). */
export type T = number | undefined;

export class RecurrentMath {
  readonly clip: number | undefined;
  private clipConsts?: [number, number];
  private splitAxis?: number;
  /** RESHAPE shape constants by shape. */
  private readonly shapes = new Map<string, number>();

  constructor(readonly ctx: ConvertContext, readonly node: Node) {
    this.clip = node.attrs.get('clip') ? attrFloat(node, 'clip', 0) : undefined;
  }

  // ---- per-step math ----

  temp(shape: number[], name: string): number {
    return this.ctx.temp(shape, 'FLOAT32', name);
  }

  binary(op: 'ADD' | 'MUL' | 'SUB', a: number, b: number, name: string): number {
    const out = this.temp(broadcastShape(this.ctx.tensors[a].shape, this.ctx.tensors[b].shape), name);
    this.ctx.emit(op, [a, b], [out], { fusedActivationFunction: 'NONE' });
    return out;
  }

  /** a + b where either may be a known zero. */
  add(a: T, b: T, name: string): T {
    if (a === undefined) return b;
    if (b === undefined) return a;
    return this.binary('ADD', a, b, name);
  }

  /** a · b where either may be a known zero. */
  mul(a: T, b: T, name: string): T {
    if (a === undefined || b === undefined) return undefined;
    return this.binary('MUL', a, b, name);
  }

  /**
   * An activation (opcode) of x, clipped first when the node has `clip` and `clip` is not false (onnxruntime, the
   * reference, clips every gate's input but not the cell state LSTM's h() reads).
   */
  activate(op: string, x: number, name: string, clip = true): number {
    const shape = this.ctx.tensors[x].shape;
    let v = x;
    if (this.clip !== undefined && clip) {
      this.clipConsts ??= [this.ctx.constFloat32([this.clip], [], `${this.node.name}/clip_max`),
        this.ctx.constFloat32([-this.clip], [], `${this.node.name}/clip_min`)];
      const lo = this.temp(shape, `${name}_clipped_hi`);
      this.ctx.emit('MINIMUM', [v, this.clipConsts[0]], [lo]);
      const hi = this.temp(shape, `${name}_clipped`);
      this.ctx.emit('MAXIMUM', [lo, this.clipConsts[1]], [hi]);
      v = hi;
    }
    const out = this.temp(shape, name);
    if (op.startsWith('HARD_SIGMOID:')) {
      // max(0, min(1, alpha · x + beta))
      const [alpha, beta] = op.split(':').slice(1).map(Number);
      const scaled = this.temp(shape, `${name}_scaled`);
      this.ctx.emit('MUL', [v, this.ctx.constFloat32([alpha], [], `${this.node.name}/hard_sigmoid_alpha`)], [scaled], { fusedActivationFunction: 'NONE' });
      const shifted = this.temp(shape, `${name}_shifted`);
      this.ctx.emit('ADD', [scaled, this.ctx.constFloat32([beta], [], `${this.node.name}/hard_sigmoid_beta`)], [shifted], { fusedActivationFunction: 'NONE' });
      const capped = this.temp(shape, `${name}_capped`);
      this.ctx.emit('MINIMUM', [shifted, this.ctx.constFloat32([1], [], `${this.node.name}/one`)], [capped]);
      this.ctx.emit('MAXIMUM', [capped, this.ctx.constFloat32([0], [], `${this.node.name}/zero`)], [out]);
      return out;
    }
    this.ctx.emit(op, [v], [out]);
    return out;
  }

  /** Splits [batch, n·k] into n equal parts along axis 1. */
  split(x: number, n: number, name: string): number[] {
    const shape = this.ctx.tensors[x].shape;
    const part = [shape[0], shape[1] / n];
    const outs = Array.from({ length: n }, (_, k) => this.temp(part, `${name}${k}`));
    this.splitAxis ??= this.ctx.constInt32([1], `${this.node.name}/split_axis`, []);
    this.ctx.emit('SPLIT', [this.splitAxis, x], outs, { numSplits: n });
    return outs;
  }

  /** Splits axis `axis` of x (of length n) into n tensors of shape `part`. */
  protected unstack(x: number, axis: number, n: number, part: number[], name: string): number[] {
    if (n === 1) return [this.reshape(x, part, this.temp(part, `${name}0`))];
    const outs = Array.from({ length: n }, (_, k) => this.temp(part, `${name}${k}`));
    this.ctx.emit('UNPACK', [x], outs, { num: n, axis });
    return outs;
  }

  protected stack(list: number[], axis: number, name: string): number {
    const shape = [...this.ctx.tensors[list[0]].shape];
    shape.splice(axis, 0, list.length);
    const out = this.temp(shape, name);
    if (list.length === 1) return this.reshape(list[0], shape, out);
    this.ctx.emit('PACK', list, [out], { valuesCount: list.length, axis });
    return out;
  }

  protected reshape(x: number, shape: number[], out: number): number {
    const key = shape.join();
    let s = this.shapes.get(key);
    if (s === undefined) this.shapes.set(key, (s = this.ctx.constInt32(shape, `${this.node.name}/shape`)));
    this.ctx.emit('RESHAPE', [x, s], [out], { newShape: shape });
    return out;
  }
}

// Shared lowering of ONNX RNN, GRU and LSTM to builtin TFLite math over the static sequence length (no fused
// sequence op: those need variable tensors, which LiteRT.js refuses). Per direction, one FULLY_CONNECTED projects
// every time step's input at once and UNPACK takes the steps; each step then runs a FULLY_CONNECTED on the previous
// hidden state, ADD, the gate activations, MUL/SUB; PACK and RESHAPE build Y, Y_h and Y_c. Everything is in ONNX
// order (layout 0: [seq, batch, ...], layout 1: [batch, seq, ...]).
import { toFloat32, toNumbers } from '../../ir/tensor';
import type { Node } from '../../ir/types';
import { attrInt, attrString } from '../attrs';
import type { ConvertContext } from '../context';
import { identity, samePerm } from '../layout';
import { RecurrentMath, T } from './_recurrent-math';
import { Param } from './_recurrent-param';
import { EMITS, RecurrentKind, SPEC, activationOps, checkRecurrent, directions } from './_recurrent-spec';
import type { OpConverter } from '../types';
import { MAX_OPSET } from '../types';

export type { RecurrentKind };

export type { T };

/** One time step of one direction: (t, name prefix, H, C) → [H', C'] (C only for LSTM). */
export type Step = (t: number, name: string, h: T, c: T) => [number, T];

/** The registry entry of a recurrent op; `cell(L, d)` sets up direction d and returns its step. */
export function recurrentOp(kind: RecurrentKind, cell: (L: RecurrentLowering, d: number) => Step): OpConverter {
  return {
    op: kind, emits: EMITS, incidental: ['CAST'] /* sequence lengths */, opset: [1, MAX_OPSET], dtypes: ['float32'], layout: 'onnx',
    check: (node, ctx) => checkRecurrent(node, ctx, kind),
    convert(node, ctx) {
      const L = new RecurrentLowering(ctx, node, kind);
      L.lower((d) => cell(L, d));
    },
  };
}

/** Emits the lowering; the op files drive it step by step. */
export class RecurrentLowering extends RecurrentMath {
  readonly layout: number;
  readonly dirs: number;
  readonly seq: number;
  readonly batch: number;
  readonly inputSize: number;
  readonly hidden: number;
  readonly gates: number;
  private readonly acts: string[];
  private readonly w: Param;
  private readonly r: Param;
  private readonly b: Param | undefined;
  private readonly p: Param | undefined;
  private readonly stateCache = new Map<string, number[]>();
  private readonly biasCache = new Map<string, T>();
  /** Layout 0 only: the stored order of X and Y. 'onnx': as ONNX ([seq, batch, C]; Y [seq, dirs, batch, hidden]).
   *  When Y's one reader is the exporter's move of the directions next to the hidden size (torch's bidirectional
   *  output, Transpose [0, 2, 1, 3] then a view [seq, batch, dirs·hidden]), Y is stored in that order: 'time' keeps
   *  X as ONNX and Y [seq, batch, dirs, hidden]; 'batch' reads X stored batch-major ([batch, seq, C], the model's
   *  own batch_first Transpose left lazy: Sequencer2D's horizontal LSTM) and stores Y [batch, seq, dirs, hidden]:
   *  the steps are taken and stacked along axis 1, no TRANSPOSE on either side. */
  readonly order: 'onnx' | 'time' | 'batch';
  /** Y stored batch-major ([batch, seq, dirs, hidden]): order 'batch', or one direction whose Y torch squeezes and moves
   *  batch first (batch_first GRU4Rec), whatever X's order: the steps are stacked along axis 1. */
  readonly yBatch: boolean;

  constructor(ctx: ConvertContext, node: Node, readonly kind: RecurrentKind) {
    super(ctx, node);
    const [x, w, r, b] = node.inputs;
    this.layout = attrInt(node, 'layout', 0);
    this.dirs = directions(node);
    const xs = ctx.shape(x);
    this.seq = xs[this.layout ? 1 : 0];
    this.batch = xs[this.layout ? 0 : 1];
    this.inputSize = xs[2];
    this.gates = SPEC[kind].gates;
    this.w = new Param(ctx, w, `${node.name}/W`);
    this.hidden = attrInt(node, 'hidden_size', this.w.dims[1] / this.gates);
    const gh = this.gates * this.hidden;
    const expect = (p: Param, dims: number[]) => {
      if (p.dims.join() !== dims.join()) ctx.fail(`${kind} input "${p.name}" has shape [${p.dims.join(', ')}], expected [${dims.join(', ')}]`);
    };
    expect(this.w, [this.dirs, gh, this.inputSize]);
    this.r = new Param(ctx, r, `${node.name}/R`);
    expect(this.r, [this.dirs, gh, this.hidden]);
    if (b) {
      this.b = new Param(ctx, b, `${node.name}/B`);
      expect(this.b, [this.dirs, 2 * gh]);
    }
    if (kind === 'LSTM' && node.inputs[7]) {
      this.p = new Param(ctx, node.inputs[7], `${node.name}/P`);
      expect(this.p, [this.dirs, 3 * this.hidden]);
    }
    this.acts = activationOps(node, kind);
    const next = this.layout === 0 ? dirsNextToHidden(ctx, node.outputs[0]) : undefined;
    this.order = next ? (samePerm(ctx.permOf(x), [1, 0, 2]) ? 'batch' : 'time') : 'onnx';
    this.yBatch = this.order === 'batch' || next === 'squeezed';
  }

  // ---- parameters of direction d ----

  /** Columns of B holding Wb rows [from, to). */
  wb(from: number, to: number): [number, number] {
    return [from, to];
  }

  /** Columns of B holding Rb rows [from, to). */
  rb(from: number, to: number): [number, number] {
    const gh = this.gates * this.hidden;
    return [gh + from, gh + to];
  }

  /** The sum of parts of B (column ranges) for direction d, [n]; undefined without B or when it is all zero. */
  bias(d: number, parts: [number, number][]): T {
    const b = this.b;
    if (!b || parts.length === 0) return undefined;
    const key = `${d}:${parts.join(';')}`;
    if (this.biasCache.has(key)) return this.biasCache.get(key);
    let t: T;
    if (b.data) {
      const sum = new Float32Array(parts[0][1] - parts[0][0]);
      for (const [from, to] of parts) b.values(d, from, to)!.forEach((v, i) => { sum[i] += v; });
      t = sum.every((v) => v === 0) ? undefined : this.ctx.constFloat32(sum, [sum.length], `${this.node.name}/bias_d${d}_${parts[0][0]}`);
    } else {
      t = parts.map(([from, to]) => b.tensor(d, from, to)).reduce((acc, x) => this.binary('ADD', acc, x, `${this.node.name}/bias_d${d}`));
    }
    this.biasCache.set(key, t);
    return t;
  }

  /** Peephole k (0 = i, 1 = o, 2 = f) of direction d, [hidden]; undefined without P or when it is all zero. */
  peephole(d: number, k: number): T {
    const p = this.p;
    if (!p) return undefined;
    const v = p.values(d, k * this.hidden, (k + 1) * this.hidden);
    if (v && v.every((x) => x === 0)) return undefined;
    return p.tensor(d, k * this.hidden, (k + 1) * this.hidden);
  }

  /** Activation k (0 = f, 1 = g, 2 = h) of direction d as a TFLite opcode. */
  act(d: number, k: number): string {
    return this.acts[d * SPEC[this.kind].acts.length + k];
  }

  // ---- whole-sequence parts ----

  /**
   * X·Wᵀ + bias for rows [from, to) of W over every time step (one FULLY_CONNECTED), unstacked per step:
   * element t is [batch, to - from].
   */
  projectInput(d: number, from: number, to: number, bias: T, tag: string): number[] {
    const ctx = this.ctx;
    const batchMajor = this.layout === 1 || this.order === 'batch';
    const x = this.order === 'batch' ? ctx.input(this.node.inputs[0], [1, 0, 2]) : ctx.inputOnnx(this.node.inputs[0]);
    const n = to - from;
    const shape = batchMajor ? [this.batch, this.seq, n] : [this.seq, this.batch, n];
    const out = ctx.temp(shape, 'FLOAT32', `${this.node.name}/d${d}/x_${tag}`);
    ctx.emit('FULLY_CONNECTED', [x, this.w.tensor(d, from, to), bias ?? -1], [out],
      { fusedActivationFunction: 'NONE', weightsFormat: 'DEFAULT', keepNumDims: true });
    return this.unstack(out, batchMajor ? 1 : 0, this.seq, [this.batch, n], `${this.node.name}/d${d}/x_${tag}`);
  }

  /** h · R[from, to)ᵀ + bias for one step ([batch, to - from]). */
  projectHidden(d: number, h: number, from: number, to: number, bias: T, name: string): number {
    const out = this.temp([this.batch, to - from], name);
    this.ctx.emit('FULLY_CONNECTED', [h, this.r.tensor(d, from, to), bias ?? -1], [out],
      { fusedActivationFunction: 'NONE', weightsFormat: 'DEFAULT', keepNumDims: false });
    return out;
  }

  /** The initial state (input `index`: 5 = initial_h, 6 = initial_c) of direction d, [batch, hidden]; undefined when absent or zero. */
  private initialState(index: number, d: number): T {
    const name = this.node.inputs[index];
    if (!name) return undefined;
    const ctx = this.ctx;
    const { batch, hidden, dirs } = this;
    const c = ctx.constant(name);
    if (c) {
      const v = toFloat32(c);
      if (v.length !== dirs * batch * hidden) ctx.fail(`${this.kind} initial state "${name}" has ${v.length} values, expected ${dirs * batch * hidden}`);
      const part = new Float32Array(batch * hidden);
      for (let b = 0; b < batch; b++) {
        for (let j = 0; j < hidden; j++) {
          part[b * hidden + j] = this.layout ? v[(b * dirs + d) * hidden + j] : v[(d * batch + b) * hidden + j];
        }
      }
      if (part.every((x) => x === 0)) return undefined;
      return ctx.constFloat32(part, [batch, hidden], `${name}/d${d}`);
    }
    let parts = this.stateCache.get(name);
    if (!parts) {
      parts = this.unstack(ctx.inputOnnx(name), this.layout ? 1 : 0, dirs, [batch, hidden], `${name}/d`);
      this.stateCache.set(name, parts);
    }
    return parts[d];
  }

  // ---- the driver ----

  /**
   * Runs the cell over every direction's time steps (reverse ones from the last step) from the initial states,
   * then emits Y, Y_h and (LSTM) Y_c. `cell(d)` returns the step function of direction d: (t, name, H, C) → [H', C'].
   * With sequence_lens shorter than the sequence, a mask per step keeps the state and zeroes Y past each batch
   * entry's length: the forward direction then ends at the entry's last step and the reverse one starts there.
   */
  lower(cell: (d: number) => Step): void {
    const lens = this.sequenceLengths();
    const perDir: number[] = [];
    const finals: number[] = [];
    const cells: number[] = [];
    for (let d = 0; d < this.dirs; d++) {
      const step = cell(d);
      let h = this.initialState(5, d);
      let c = this.kind === 'LSTM' ? this.initialState(6, d) : undefined;
      const out: number[] = [];
      for (const t of this.steps(d)) {
        const n = `${this.node.name}/d${d}/t${t}`;
        const [h2, c2] = step(t, n, h, c);
        if (lens) {
          const m = lens.masks[t];
          out[t] = this.binary('MUL', h2, m, `${n}/Y`);
          h = this.masked(h, h2, m, out[t], `${n}/H_kept`);
          c = c2 === undefined ? undefined : this.masked(c, c2, m, undefined, `${n}/C_kept`);
        } else {
          h = h2;
          c = c2;
          out[t] = h2;
        }
      }
      if (this.node.outputs[0]) perDir.push(this.stack(out, this.layout || this.yBatch ? 1 : 0, `${this.node.name}/d${d}/Y`));
      finals.push(h!);
      if (c !== undefined) cells.push(c);
    }
    this.emitY(this.node.outputs[0], perDir);
    this.emitFinal(this.node.outputs[1], finals);
    if (this.kind === 'LSTM') this.emitFinal(this.node.outputs[2], cells);
  }

  /** prev + m ⊙ (next − prev): the new state where the mask is 1, the old one where it is 0. */
  private masked(prev: T, next: number, m: number, mNext: number | undefined, name: string): number {
    const kept = mNext ?? this.binary('MUL', next, m, `${name}_new`);
    if (prev === undefined) return kept;
    return this.binary('ADD', prev, this.binary('MUL', this.binary('SUB', next, prev, `${name}_diff`), m, `${name}_masked`), name);
  }

  /**
   * sequence_lens when some entries are shorter than the sequence: a float mask per step ([batch, 1], 1 while
   * t < length); undefined when absent or all full.
   */
  private sequenceLengths(): { masks: number[] } | undefined {
    const name = this.node.inputs[4];
    if (!name) return undefined;
    const ctx = this.ctx;
    const { seq, batch } = this;
    const c = ctx.constant(name);
    if (c) {
      const v = toNumbers(c);
      if (v.length !== batch) ctx.fail(`${this.kind} sequence_lens has ${v.length} values, expected ${batch}`);
      if (v.every((x) => x === seq)) return undefined;
      const masks = [...Array(seq).keys()].map((t) => ctx.constFloat32(v.map((l) => (t < l ? 1 : 0)), [batch, 1], `${name}/mask${t}`));
      return { masks };
    }
    const tensor = ctx.inputOnnx(name);
    const below = ctx.temp([seq, batch], 'BOOL', `${name}/steps_below`);
    ctx.emit('LESS', [ctx.constInt32([...Array(seq).keys()], `${name}/steps`, [seq, 1]), tensor], [below]);
    const mask = ctx.temp([seq, batch, 1], 'FLOAT32', `${name}/mask`);
    const asFloat = ctx.temp([seq, batch], 'FLOAT32', `${name}/mask_f`);
    ctx.emit('CAST', [below], [asFloat]);
    this.reshape(asFloat, [seq, batch, 1], mask);
    return { masks: this.unstack(mask, 0, seq, [batch, 1], `${name}/mask`) };
  }

  // ---- outputs ----

  /** Y from each direction's [seq, batch, hidden] (layout 1: [batch, seq, hidden]): [seq, dirs, batch, hidden] or [batch, seq, dirs, hidden]. */
  private emitY(name: string | undefined, perDir: number[]): void {
    if (!name) return;
    const out = this.ctx.output(name, this.yBatch ? [2, 0, 1, 3] : this.order === 'onnx' ? identity(4) : [0, 2, 1, 3]);
    if (perDir.length === 1) this.reshape(perDir[0], this.ctx.tensors[out].shape, out);
    else this.ctx.emit('PACK', perDir, [out], { valuesCount: perDir.length, axis: this.layout || this.order !== 'onnx' ? 2 : 1 });
  }

  /** Y_h or Y_c from the final state per direction: [dirs, batch, hidden] (layout 0) or [batch, dirs, hidden]. */
  private emitFinal(name: string | undefined, finals: number[]): void {
    if (!name) return;
    const out = this.ctx.output(name, identity(3));
    if (finals.length === 1) this.reshape(finals[0], this.ctx.tensors[out].shape, out);
    else this.ctx.emit('PACK', finals, [out], { valuesCount: finals.length, axis: this.layout ? 1 : 0 });
  }

  private isReverse(d: number): boolean {
    return this.dirs === 2 ? d === 1 : attrString(this.node, 'direction', 'forward') === 'reverse';
  }

  /** Time steps of direction d in processing order. */
  private steps(d: number): number[] {
    const ts = [...Array(this.seq).keys()];
    return this.isReverse(d) ? ts.reverse() : ts;
  }
}

/**
 * Y's only reader is a Transpose [0, 2, 1, 3] ([seq, dirs, batch, hidden] → [seq, batch, dirs, hidden]), or, with one
 * direction, a Squeeze of the directions whose only reader moves batch first (torch's batch_first unidirectional
 * output: Squeeze(1) then Transpose [1, 0, 2]; GRU4Rec's item sequence): the directions sit next to the hidden size
 * either way.
 */
function dirsNextToHidden(ctx: ConvertContext, y: string | undefined): 'moved' | 'squeezed' | undefined {
  if (!y || ctx.graph.outputs.some((o) => o.name === y)) return undefined;
  const readers = ctx.readersOf(y);
  const permOf = (n: Node | undefined) => {
    const p = n?.opType === 'Transpose' ? n.attrs.get('perm') : undefined;
    return p?.type === 'ints' ? p.value.join() : undefined;
  };
  if (readers.length !== 1) return undefined;
  if (permOf(readers[0]) === '0,2,1,3') return 'moved';
  const sq = readers[0];
  if (sq.opType !== 'Squeeze' || ctx.shape(y)[1] !== 1 || ctx.graph.outputs.some((o) => o.name === sq.outputs[0])) return undefined;
  const axes = sq.inputs[1] ? ctx.constant(sq.inputs[1]) : undefined;
  const ax = axes ? toNumbers(axes) : sq.attrs.get('axes')?.type === 'ints' ? (sq.attrs.get('axes')!.value as number[]) : undefined;
  if (!ax || ax.length !== 1 || (ax[0] !== 1 && ax[0] !== -3)) return undefined;
  const after = ctx.readersOf(sq.outputs[0]);
  return after.length === 1 && permOf(after[0]) === '1,0,2' ? 'squeezed' : undefined;
}

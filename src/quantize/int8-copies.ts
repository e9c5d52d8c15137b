// Where each float activation of the int8 pass (int8.ts) lives, and its copies in the other types: int8 when an int8
// op (or an int8 model input) produces it, int16 when a 16x8 op does, float32 otherwise; a reader in another type gets
// a copy made on first use (QUANTIZE / DEQUANTIZE), one per type. An input that shares its op's output scale but has
// parameters of its own (a fixed output or a narrow input kept out of a join's group: int8-requantized-joins.ts) is
// requantized into the output's (an int8 → int8 or → int16 QUANTIZE), one copy per target.
import type { TflOperator, TflTensor } from '../tflite/model';
import { DEQUANTIZE_INT8_VERSION, QUANTIZE_VERSION } from './int8-ops';
import { DEQUANTIZE_INT16_VERSION, QUANTIZE_INT16_VERSION } from './int16';
import { type QParams, quantParams, sameParams } from './params';

/** Whether input `pos` of an op with int8 rule `spec` shares its output's scale (the activations' types already set). */
const sameAt = (spec: { sameScale?: 'all' | number[] }, pos: number): boolean => spec.sameScale === 'all' || !!spec.sameScale?.includes(pos);

export class ActivationCopies {
  /** The int8 / int16 / float32 tensor holding each float model activation (by its float model index). */
  readonly int8Of = new Map<number, number>();
  readonly int16Of = new Map<number, number>();
  readonly floatOf = new Map<number, number>();
  private readonly requantized = new Map<string, number>();

  /** `t`: the subgraph's tensors; `add`: adds a tensor (uniquely named); `ops`: the new op list, copies pushed on it;
   *  `params` / `p16`: each activation's int8 / int16 parameters. */
  constructor(private readonly t: TflTensor[], private readonly add: (tt: TflTensor) => number, private readonly ops: TflOperator[],
    private readonly params: Map<number, QParams>, private readonly p16: (i: number) => QParams) {}

  /** The int8 copy of activation i: QUANTIZE from its float32 or int16 form. */
  int8(i: number): number {
    return this.quantized(i, false);
  }

  /** The int16 copy of activation i: QUANTIZE from its float32 or int8 form. */
  int16(i: number): number {
    return this.quantized(i, true);
  }

  private quantized(i: number, wide: boolean): number {
    const of = wide ? this.int16Of : this.int8Of;
    const have = of.get(i);
    if (have !== undefined) return have;
    const t = this.t;
    const q = this.add({ name: `${t[i].name}_${wide ? 'int16' : 'int8'}`, type: wide ? 'INT16' : 'INT8', shape: [...t[i].shape],
      quantization: quantParams(wide ? this.p16(i) : this.params.get(i)!) });
    const from = this.floatOf.get(i) ?? (wide ? this.int8Of : this.int16Of).get(i)!;
    this.ops.push({ opcode: 'QUANTIZE', version: wide ? QUANTIZE_INT16_VERSION : QUANTIZE_VERSION, inputs: [from], outputs: [q] });
    of.set(i, q);
    return q;
  }

  /** The float32 copy of activation i: DEQUANTIZE from its int8 or int16 form. */
  float(i: number): number {
    const have = this.floatOf.get(i);
    if (have !== undefined) return have;
    const t = this.t;
    const f = this.add({ name: `${t[i].name}_float`, type: 'FLOAT32', shape: [...t[i].shape] });
    const from8 = this.int8Of.get(i);
    this.ops.push(from8 !== undefined
      ? { opcode: 'DEQUANTIZE', version: DEQUANTIZE_INT8_VERSION, inputs: [from8], outputs: [f] }
      : { opcode: 'DEQUANTIZE', version: DEQUANTIZE_INT16_VERSION, inputs: [this.int16Of.get(i)!], outputs: [f] });
    this.floatOf.set(i, f);
    return f;
  }

  /** Int8 / int16 tensor q requantized into parameters p (an int8 → int8 or → int16 QUANTIZE), one copy per target. */
  requantize(q: number, p: QParams, wide: boolean, onnxNode?: string): number {
    const key = `${q}:${p.scale}:${p.zeroPoint}:${wide}`;
    const have = this.requantized.get(key);
    if (have !== undefined) return have;
    const t = this.t;
    const r = this.add({ name: `${t[q].name}_requantized`, type: wide ? 'INT16' : 'INT8', shape: [...t[q].shape], quantization: quantParams(p) });
    this.ops.push({ opcode: 'QUANTIZE', version: wide ? QUANTIZE_INT16_VERSION : QUANTIZE_VERSION, inputs: [q], outputs: [r], onnxNode });
    this.requantized.set(key, r);
    return r;
  }

  /** Activation i read at input `pos` of an int8 (or 16x8, `wide`) op with rule `spec` whose output has parameters
   *  (`outQ`, its output tensor, or undefined): its copy in the op's type, requantized into the output's parameters
   *  when it shares the output's scale on parameters of its own (a fixed output kept out of a join's group). */
  input(i: number, pos: number, spec: { sameScale?: 'all' | number[] }, outQ: number | undefined, wide: boolean, onnxNode?: string): number {
    const target = outQ === undefined || !sameAt(spec, pos) ? undefined : wide ? this.p16(outQ) : this.params.get(outQ)!;
    const own = wide ? this.p16(i) : this.params.get(i)!;
    const q = wide ? this.int16(i) : this.int8(i);
    return target && !sameParams(target, own) ? this.requantize(q, target, wide, onnxNode) : q;
  }
}

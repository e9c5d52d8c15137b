// Can TensorFlow Lite for Microcontrollers run this .tflite, and with which ops? Refusals are ModelErrors (one line
// each, the first that applies); what only deserves a word (float32 compute, 16x8 layers) comes back as notes.
import { ModelError } from '../ir/types';
import type { TflModel, TflSubgraph } from '../tflite/model';
import { estimateArena, type ArenaEstimate, type TargetBits } from './arena';
import { MICRO_INT16_OPS, MICRO_SUBGRAPH_OPS, microMethod } from './ops';

export interface MicroOp {
  /** Builtin op name, e.g. 'CONV_2D'. */
  op: string;
  /** MicroMutableOpResolver method, e.g. 'AddConv2D'. */
  method: string;
  /** How many operators of the model use it (all subgraphs). */
  count: number;
}

export interface MicroAnalysis {
  /** The distinct builtin ops, sorted by name: exactly what the resolver registers. */
  ops: MicroOp[];
  arena: ArenaEstimate;
  /** Ops computing in float32 (QUANTIZE / DEQUANTIZE at the edges not counted). */
  floatOps: number;
  /** Ops with int16 activations (16x8). */
  int16Ops: number;
  notes: string[];
}

const list = (names: Iterable<string>, max = 6): string => {
  const a = [...new Set(names)];
  return a.length > max ? `${a.slice(0, max).join(', ')} and ${a.length - max} more` : a.join(', ');
};

function checkShapes(g: TflSubgraph): void {
  for (const t of g.tensors) {
    if (t.shapeSignature?.some((d) => d < 0) || t.shape.some((d) => d < 0)) {
      throw new ModelError(`tensor "${t.name}" has a dynamic shape [${(t.shapeSignature ?? t.shape).join(', ')}]: TFLite Micro needs `
        + 'static shapes; fix the dims when converting (onnx2lite convert --input-shape NAME=DIMS)');
    }
  }
}

export function analyzeMicro(model: TflModel, opts: { targetBits?: TargetBits } = {}): MicroAnalysis {
  const all = model.subgraphs.flatMap((g) => g.operators);
  if (model.subgraphs.length === 0 || model.subgraphs[0].operators.length === 0) throw new ModelError('the model has no operators');
  if (model.subgraphs.length > 1 && !all.some((o) => MICRO_SUBGRAPH_OPS.has(o.opcode))) {
    throw new ModelError(`the model has ${model.subgraphs.length} subgraphs but no IF/WHILE/CALL_ONCE op runs them: TFLite Micro `
      + 'invokes only subgraph 0 (one signature); export one model per signature');
  }
  const custom = all.filter((o) => o.opcode === 'CUSTOM').map((o) => o.customCode ?? '?');
  if (custom.length) {
    throw new ModelError(`custom op(s) ${list(custom)}: TFLite Micro has no kernel for them (each would need its own C++ kernel `
      + 'registered with AddCustom)');
  }
  const missing = all.map((o) => o.opcode).filter((op) => !microMethod(op));
  if (missing.length) throw new ModelError(`TFLite Micro has no kernel for ${list(missing)}`);
  for (const g of model.subgraphs) checkShapes(g);

  let floatOps = 0;
  let int16Ops = 0;
  const no16: string[] = [];
  for (const g of model.subgraphs) {
    const act = (i: number) => (i >= 0 && i < g.tensors.length && !g.tensors[i].data ? g.tensors[i] : undefined);
    for (const op of g.operators) {
      const ts = [...op.inputs, ...op.outputs].map(act).filter((t) => t !== undefined);
      const f16 = op.inputs.map((i) => g.tensors[i]).find((t) => t?.type === 'FLOAT16');
      if (f16) {
        throw new ModelError(`${op.opcode} reads float16 tensor "${f16.name}": TFLite Micro has no float16 kernels; convert with `
          + '--quantize int8 (or without --quantize for float32)');
      }
      if (ts.some((t) => t.type === 'INT16')) {
        int16Ops++;
        if (!MICRO_INT16_OPS.has(op.opcode)) no16.push(op.opcode);
      }
      if (op.opcode !== 'QUANTIZE' && op.opcode !== 'DEQUANTIZE' && ts.some((t) => t.type === 'FLOAT32')) floatOps++;
    }
  }
  if (no16.length) {
    throw new ModelError(`${list(no16)} with int16 activations: TFLite Micro has no 16x8 kernel for ${new Set(no16).size > 1 ? 'them' : 'it'}; `
      + 'reconvert with --quantize int8 --int16 off');
  }

  const counts = new Map<string, number>();
  for (const o of all) counts.set(o.opcode, (counts.get(o.opcode) ?? 0) + 1);
  const ops = [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([op, count]) => ({ op, method: microMethod(op)!, count }));
  const arena = estimateArena(model.subgraphs[0], opts);
  for (const g of model.subgraphs.slice(1)) {
    const e = estimateArena(g, opts);
    arena.activationBytes += e.activationBytes;
    arena.overheadBytes += e.overheadBytes;
    arena.totalBytes += e.totalBytes;
  }
  const notes: string[] = [];
  if (floatOps) {
    notes.push(`${floatOps} of ${all.length} ops compute in float32: TFLite Micro runs them, but microcontrollers usually want an `
      + 'integer model (onnx2lite convert --quantize int8)');
  }
  if (int16Ops) {
    notes.push(`${int16Ops} ops run in 16x8 (int16 activations): TFLite Micro has reference kernels for them; optimized kernel `
      + 'libraries (CMSIS-NN, ESP-NN) cover fewer 16x8 ops; --int16 off keeps every activation int8');
  }
  return { ops, arena, floatOps, int16Ops, notes };
}

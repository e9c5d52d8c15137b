// --input-value NAME=V[,V...]: model inputs frozen to constants before conversion, so that what depends on them
// folds (Silero VAD's sample rate `sr` decides which If branch runs). The frozen inputs leave the model's inputs.
import { tensorFromNumbers } from '../ir/fold-kernels';
import { elementCount, isStaticShape, Model, ModelError } from '../ir/types';
import type { Graph, Tensor } from '../ir/types';
import { dimsSources } from './dims-sources';

const NUMERIC = new Set(['float32', 'float16', 'bfloat16', 'float64', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32',
  'int64', 'uint64', 'bool']);

/** A bad --input-value: a ModelError (one line, caught like any model problem) that the CLI reports as a usage
 *  error (exit code 2). */
export function inputValueError(message: string): ModelError {
  const e = new ModelError(message);
  e.name = 'UsageError';
  return e;
}

/** A copy of the model with the named inputs turned into initializers holding the given values. */
export function freezeInputs(model: Model, values: Map<string, number[]>, shapes?: Map<string, number[]>): Model {
  const g = model.graph;
  const frozen: Tensor[] = [];
  for (const [name, vals] of values) {
    const input = g.inputs.find((v) => v.name === name);
    if (!input) {
      throw inputValueError(`--input-value names "${name}", which is not an input of the model (inputs: ${g.inputs.map((v) => v.name).join(', ') || 'none'})`);
    }
    const dtype = g.values.get(name)?.dtype ?? input.dtype;
    if (!dtype || !NUMERIC.has(dtype)) throw inputValueError(`--input-value ${name}: input "${name}" has element type ${dtype ?? 'unknown'}, not a number type`);
    const shape = shapes?.get(name) ?? input.shape;
    let dims: number[];
    if (isStaticShape(shape)) dims = shape;
    else if (shape && shape.length <= 1) dims = shape.length === 0 ? [] : [vals.length];
    else throw inputValueError(`--input-value ${name}: input "${name}" has dims [${shape?.join(', ') ?? 'unknown'}]; give them with --input-shape ${name}=...`);
    if (elementCount(dims) !== vals.length) {
      throw inputValueError(`--input-value ${name} gives ${vals.length} value${vals.length === 1 ? '' : 's'}, but input "${name}" has shape [${dims.join(', ')}] (${elementCount(dims)} elements)`);
    }
    if (dtype !== 'float32' && dtype !== 'float16' && dtype !== 'bfloat16' && dtype !== 'float64' && vals.some((v) => !Number.isInteger(v))) {
      throw inputValueError(`--input-value ${name}: input "${name}" is ${dtype}, so its values must be integers (got ${vals.join(',')})`);
    }
    frozen.push(tensorFromNumbers(name, dtype, dims, dtype === 'bool' ? vals.map((v) => (v ? 1 : 0)) : vals));
  }
  return inputsAsConstants(model, frozen);
}

/**
 * A copy of the model in which each of `tensors` replaces the input of its name: an initializer with its value, the
 * value info given its dims (a symbolic dim, such as an empty past's length, would hide them from what reads it), and
 * the input gone. Serves --input-value (freezeInputs) and the inputs with no elements (convert.ts).
 */
export function inputsAsConstants(model: Model, tensors: Tensor[]): Model {
  const g = model.graph;
  const initializers = new Map(g.initializers);
  const values = new Map(g.values);
  for (const t of tensors) {
    initializers.set(t.name, t);
    values.set(t.name, { name: t.name, dtype: t.dtype, shape: [...t.dims] });
  }
  const names = new Set(tensors.map((t) => t.name));
  return { ...model, graph: { ...g, inputs: g.inputs.filter((v) => !names.has(v.name)), initializers, values } };
}

// Why a value's dims are unknown after --input-shape: a graph input's *value* (RVM's downsample_ratio feeding a
// Resize's scales, a sample rate, a length) sets them at run time. The dynamic-shape refusal names such inputs and
// the option that freezes them (--input-value), rather than --input-shape, which the user has already given.

/** The dynamic-shape refusal's advice for `name`: --input-value for the setting inputs it comes from, when its
 *  dims do not come from the inputs' dims alone and no data input's values size them too; else --input-shape. */
export function dynamicDimsAdvice(graph: Graph, constants: Map<string, Tensor>, name: string, opType = 'this op'): string {
  // A loop body whose carried values change size (an RNN-T greedy search's hypothesis, grown by an If inside the
  // symbol loop): --input-shape cannot fix them.
  if (graph.outerScope && graph.inputs.some((i) => !i.shape || !isStaticShape(i.shape))) {
    return `they change from one iteration of the enclosing loop to the next (a value the loop carries grows); ${opType} needs them known when converting`;
  }
  const staticInputs = graph.inputs.every((i) => i.shape && isStaticShape(i.shape));
  const sources = staticInputs ? dimsSources(graph, constants, name) : { settings: [], data: false };
  const settings = sources.data ? [] : sources.settings;
  if (!settings.length) {
    return staticInputs ? `they are sized by values computed at run time; ${opType} needs them known when converting`
      : 'fix the model inputs\' dims with --input-shape';
  }
  const names = settings.map((s) => `'${s}'`).join(', ');
  return `they are set at run time by the value of input ${names}: freeze it with ${settings.map((s) => `--input-value ${s}=V`).join(' ')} (the value the model is run with)`;
}

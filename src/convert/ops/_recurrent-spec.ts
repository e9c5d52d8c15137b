// What the ONNX spec says about RNN, GRU and LSTM (gates, activations and their defaults) and which cases the
// lowering in _recurrent.ts refuses.
import type { Node } from '../../ir/types';
import { attrInt, attrString } from '../attrs';
import type { ConvertContext } from '../context';
import { refuse } from '../types';
import type { Refusal } from '../types';

export type RecurrentKind = 'RNN' | 'GRU' | 'LSTM';

/** Gates per kind, activations per direction and their defaults (ONNX spec). */
export const SPEC: Record<RecurrentKind, { gates: number; acts: string[] }> = {
  RNN: { gates: 1, acts: ['Tanh'] },
  GRU: { gates: 3, acts: ['Sigmoid', 'Tanh'] },
  LSTM: { gates: 4, acts: ['Sigmoid', 'Tanh', 'Tanh'] },
};

export const ACTIVATIONS: Record<string, string> = { sigmoid: 'LOGISTIC', tanh: 'TANH', relu: 'RELU', hardsigmoid: 'HARD_SIGMOID' };

/**
 * Each activation's opcode; HardSigmoid (Keras' default recurrent activation before TF 2, as keras2onnx writes it) as
 * `HARD_SIGMOID:alpha:beta`, its parameters taken from activation_alpha / activation_beta in order by the functions
 * that use them (as onnxruntime reads them).
 */
export function activationOps(node: Node, kind: RecurrentKind): string[] {
  const floats = (name: string) => { const a = node.attrs.get(name); return a?.type === 'floats' ? [...a.value] : a?.type === 'float' ? [a.value] : []; };
  const alphas = floats('activation_alpha');
  const betas = floats('activation_beta');
  return activationNames(node, kind).map((n) => {
    const op = ACTIVATIONS[n.toLowerCase()];
    return op === 'HARD_SIGMOID' ? `${op}:${alphas.shift() ?? 0.2}:${betas.shift() ?? 0.5}` : op;
  });
}

export const EMITS = ['FULLY_CONNECTED', 'UNPACK', 'ADD', 'MUL', 'SUB', 'LOGISTIC', 'TANH', 'RELU', 'SPLIT', 'PACK',
  'RESHAPE', 'STRIDED_SLICE', 'MINIMUM', 'MAXIMUM', 'LESS', 'CAST'];

export function directions(node: Node): number {
  return attrString(node, 'direction', 'forward') === 'bidirectional' ? 2 : 1;
}

/** The activation names of every direction (a single direction's list is reused for the reverse one). */
export function activationNames(node: Node, kind: RecurrentKind): string[] {
  const a = node.attrs.get('activations');
  const n = SPEC[kind].acts.length;
  const given = a?.type === 'strings' ? [...a.value] : [];
  const list = given.length ? given : SPEC[kind].acts;
  return directions(node) === 2 && list.length === n ? [...list, ...list] : list;
}

/** Why this recurrent node cannot be lowered, or undefined. */
export function checkRecurrent(node: Node, ctx: ConvertContext, kind: RecurrentKind): Refusal | undefined {
  const [x, w, r, b] = node.inputs;
  if (ctx.dtype(x) !== 'float32') return refuse('dtype', `${kind} on ${ctx.dtype(x)} is not supported (float32 only)`);
  const dir = attrString(node, 'direction', 'forward');
  if (!['forward', 'reverse', 'bidirectional'].includes(dir)) return refuse('attribute', `${kind} direction "${dir}" is not one of forward, reverse, bidirectional`);
  const layout = attrInt(node, 'layout', 0);
  if (layout !== 0 && layout !== 1) return refuse('attribute', `${kind} layout ${layout} is not 0 or 1`);
  const xs = ctx.shape(x);
  if (xs.length !== 3) return refuse('rank', `${kind} input X must be 3-D, got [${xs.join(', ')}]`);
  const seq = xs[layout ? 1 : 0];
  if (seq < 1) return refuse('unsupported', `${kind} with an empty sequence is not supported`);
  const names = activationNames(node, kind);
  const need = SPEC[kind].acts.length * directions(node);
  if (names.length !== need) return refuse('attribute', `${kind} needs ${need} activations for ${dir}, got ${names.length}`);
  const bad = names.find((n) => !ACTIVATIONS[n.toLowerCase()]);
  if (bad) return refuse('attribute', `${kind} activation ${bad} is not supported (Sigmoid, Tanh, Relu and HardSigmoid are)`);
  if (kind === 'LSTM') {
    if (attrInt(node, 'input_forget', 0) !== 0) return refuse('attribute', 'LSTM with input_forget=1 (coupled input and forget gates) is not supported');
  }
  return undefined;
}

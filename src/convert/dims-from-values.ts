// Why a value's dims are unknown after --input-shape: a graph input's *value* (RVM's downsample_ratio feeding a
// Resize's scales, a sample rate, a length) sets them at run time. The dynamic-shape refusal names such inputs and
// the option that freezes them (--input-value), rather than --input-shape, which the user has already given.
import type { Graph, Tensor } from '../ir/types';
import { isStaticShape } from '../ir/types';

/** Inputs of this size or smaller are settings one can freeze (a scale, a rate, a count), not data. */
const SETTING_MAX_ELEMENTS = 16;

/** Graph inputs with static dims of at most SETTING_MAX_ELEMENTS elements that `name` is computed from. */
export function settingInputsUpstream(graph: Graph, constants: Map<string, Tensor>, name: string): string[] {
  const producer = new Map<string, Graph['nodes'][number]>();
  for (const n of graph.nodes) for (const o of n.outputs) producer.set(o, n);
  const inputs = new Map(graph.inputs.map((i) => [i.name, i]));
  const found: string[] = [];
  const seen = new Set<string>();
  const stack = [name];
  while (stack.length) {
    const v = stack.pop()!;
    if (!v || seen.has(v) || constants.has(v)) continue;
    seen.add(v);
    const input = inputs.get(v);
    if (input) {
      const s = input.shape;
      if (s && isStaticShape(s) && (s as number[]).reduce((a, b) => a * b, 1) <= SETTING_MAX_ELEMENTS) found.push(v);
      continue;
    }
    for (const i of producer.get(v)?.inputs ?? []) stack.push(i);
  }
  return found.sort();
}

/** The dynamic-shape refusal's advice for `name`: --input-value for the setting inputs it comes from, when its
 *  dims do not come from the inputs' dims alone; else --input-shape. */
export function dynamicDimsAdvice(graph: Graph, constants: Map<string, Tensor>, name: string): string {
  const staticInputs = graph.inputs.every((i) => i.shape && isStaticShape(i.shape));
  const settings = staticInputs ? settingInputsUpstream(graph, constants, name) : [];
  if (!settings.length) return 'fix the model inputs\' dims with --input-shape';
  const names = settings.map((s) => `'${s}'`).join(', ');
  return `they are set at run time by the value of input ${names}: freeze it with ${settings.map((s) => `--input-value ${s}=V`).join(' ')} (the value the model is run with)`;
}

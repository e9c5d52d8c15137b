// ONNX If. A condition known at conversion time never gets here: the taken branch is inlined before conversion
// (control-flow.ts). Otherwise TFLite IF with the two branches as subgraphs; the outer values the branches read
// become explicit IF inputs (constants are copied into the branches instead), all in ONNX layout.
import { tensorFromNumbers } from '../../ir/fold-kernels';
import { DType, Graph, ModelError, elementCount, isStaticShape } from '../../ir/types';
import { Perm, identity } from '../layout';
import { outerReads } from '../control-flow';
import { ConvertError, MAX_OPSET, OpConverter, refuse } from '../types';

/** A branch with no nodes whose outputs are zeros of the given types and shapes. */
function zeroBranch(outs: { dtype: DType; shape: number[] }[], base: string): Graph {
  const initializers = new Map(outs.map((o, i) => {
    const name = `${base}_${i}`;
    return [name, tensorFromNumbers(name, o.dtype, o.shape, new Array<number>(elementCount(o.shape)).fill(0))] as const;
  }));
  const outputs = [...initializers.values()].map((t) => ({ name: t.name, dtype: t.dtype, shape: [...t.dims] }));
  return { name: base, nodes: [], inputs: [], outputs, initializers, values: new Map(outputs.map((o) => [o.name, o])) };
}

function branch(attrs: Map<string, { type: string; value: unknown }>, name: string): Graph | undefined {
  const a = attrs.get(name);
  return a?.type === 'graph' ? (a.value as Graph) : undefined;
}

/** Branches giving one output different static shapes (optimum's merged decoders: present keys of past + seq
 *  positions with the cache, seq without) make a TFLite IF whose outputs LiteRT cannot allocate: refused, naming
 *  the --input-value that picks a branch. When both give the same static shape, the IF output has it, even where
 *  shape inference merged a symbol (a run-time-sized output LiteRT cannot allocate either). */
function sameOutputShapes(name: string, cond: string, outputs: string[], ctx: Parameters<OpConverter['convert']>[1], thenIndex: number, elseIndex: number): void {
  const [t, e] = [ctx.subgraphs[thenIndex - 1], ctx.subgraphs[elseIndex - 1]];
  outputs.forEach((o, i) => {
    const a = t.tensors[t.outputs[i]];
    const b = e.tensors[e.outputs[i]];
    if (!o || a.shapeSignature || b.shapeSignature) return;
    if (a.shape.length === b.shape.length && a.shape.every((d, k) => d === b.shape[k])) {
      ctx.declare(o, ctx.dtype(o), a.shape);
      return;
    }
    const fix = ctx.graph.inputs.some((v) => v.name === cond) ? `--input-value ${cond}=1 or ${cond}=0` : `--input-value on the inputs its condition "${cond}" depends on`;
    throw new ConvertError(`If output "${o}" is [${a.shape.join(', ')}] in the then branch and [${b.shape.join(', ')}] in the else branch; a TFLite IF gives one shape: pick the branch with ${fix}`, name);
  });
}

const If: OpConverter = {
  op: 'If', emits: ['IF'], opset: [1, MAX_OPSET], dtypes: ['bool'], layout: 'onnx',
  check(node, ctx) {
    const t = branch(node.attrs, 'then_branch');
    const e = branch(node.attrs, 'else_branch');
    if (!t || !e) return refuse('attribute', 'If needs then_branch and else_branch graphs');
    if (t.outputs.length !== node.outputs.length || e.outputs.length !== node.outputs.length) {
      return refuse('unsupported', `If has ${node.outputs.length} outputs but its branches give ${t.outputs.length} and ${e.outputs.length}`);
    }
    for (const o of node.outputs) {
      const v = ctx.graph.values.get(o);
      if (o && v && !v.dtype) return refuse('unsupported', `If output "${o}" is not a tensor (sequence or optional values have no TFLite equivalent)`);
    }
    return undefined;
  },
  convert(node, ctx) {
    const t = branch(node.attrs, 'then_branch')!;
    const e = branch(node.attrs, 'else_branch')!;
    const captured = [...new Set([...outerReads(t), ...outerReads(e)])].filter((n) => !ctx.isConstant(n));
    const outs = (g: Graph) => g.outputs.map((o) => o.name);
    // Outer values go in in the layout they have; the first branch converted picks each output's layout (ONNX
    // order, or channel-last where it made that), and the other branch gives the same.
    const inputPerms = captured.map((n) => ctx.permOf(n));
    let outputPerms: (Perm | undefined)[] = node.outputs.map(() => undefined);
    const tryBody = (g: Graph, which: string): number | Error => {
      const before = ctx.subgraphs.length;
      const perms = [...outputPerms];
      try {
        const index = ctx.convertBody(g, { name: `${node.name}/${which}`, inputs: captured, outputs: outs(g), inputPerms, outputPerms: perms });
        outputPerms = perms;
        return index;
      } catch (err) {
        if (!(err instanceof ConvertError || err instanceof ModelError)) throw err;
        ctx.subgraphs.length = before;
        return err;
      }
    };
    let thenIndex = tryBody(t, 'then');
    let elseIndex = tryBody(e, 'else');
    if (thenIndex instanceof Error && elseIndex instanceof Error) throw thenIndex;
    // A branch that cannot run with these input shapes (onnxruntime fails in it too, e.g. Silero's 8 kHz branch
    // fed 512 samples) becomes one that returns zeros; the IF takes the other branch's output shapes.
    for (const [which, ok] of [['then', e], ['else', t]] as const) {
      const err = which === 'then' ? thenIndex : elseIndex;
      if (!(err instanceof Error)) continue;
      node.outputs.forEach((o, i) => {
        const v = ok.values.get(ok.outputs[i].name) ?? ctx.graph.values.get(ok.outputs[i].name);
        if (o && v?.dtype && isStaticShape(v.shape)) ctx.declare(o, v.dtype, v.shape);
      });
      ctx.warn(`the ${which} branch cannot run with these input shapes (${err.message.replace(/^node [^:]+: /, '')}); in the converted model it returns zeros — freeze the condition's inputs with --input-value to drop it`);
      const zeros = zeroBranch(node.outputs.map((o) => ({ dtype: ctx.dtype(o), shape: ctx.shape(o) })), `${node.name}/${which}_zeros`);
      const index = ctx.convertBody(zeros, { name: `${node.name}/${which}`, inputs: captured, outputs: zeros.outputs.map((o) => o.name), inputPerms, outputPerms });
      if (which === 'then') thenIndex = index; else elseIndex = index;
    }
    sameOutputShapes(node.name, node.inputs[0] ?? '', node.outputs, ctx, thenIndex as number, elseIndex as number);
    const cond = ctx.inputOnnx(node.inputs[0]);
    const inputs = [cond, ...captured.map((n, k) => ctx.input(n, inputPerms[k]))];
    const outputs = node.outputs.map((o, k) => ctx.output(o, outputPerms[k] ?? identity(ctx.rank(o))));
    ctx.emit('IF', inputs, outputs, { thenSubgraphIndex: thenIndex as number, elseSubgraphIndex: elseIndex as number });
  },
};
export default If;

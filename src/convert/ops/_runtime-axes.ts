// Squeeze / Unsqueeze whose axes are a run-time value (a graph input: PyTorch 1.12's opset-13 export of
// `x.squeeze(dim)` with `dim` an argument, onnx2tf's op tests). The converter writes the output shape the graph
// declares (or shape inference gives), which fixes the axes; a run-time axes input other than those is ignored by the
// converted model (onnxruntime squeezes another axis, or fails). It converts as before, and now says so.
import type { Node } from '../../ir/types';
import type { ConvertContext } from '../context';
import type { OpConverter } from '../types';

/** The axes the input → output shapes imply: the squeezed (input) or inserted (output) unit axes. */
function impliedAxes(from: number[], to: number[]): number[] | undefined {
  const [long, short] = from.length > to.length ? [from, to] : [to, from];
  const axes: number[] = [];
  for (let i = 0, j = 0; i < long.length; i++) {
    if (j < short.length && long[i] === short[j]) j++;
    else if (long[i] === 1) axes.push(i);
    else return undefined;
  }
  return axes;
}

/** `c` with a warning when the node's axes input (input 1, opset >= 13) is not a constant. */
export function warnRuntimeAxes(c: OpConverter): OpConverter {
  return {
    ...c,
    convert(node: Node, ctx: ConvertContext) {
      const axes = node.inputs[1];
      if (axes && !ctx.isConstant(axes)) {
        const [x, y] = [ctx.shape(node.inputs[0]!), ctx.shape(node.outputs[0]!)];
        const implied = impliedAxes(x, y);
        ctx.warn(`${node.opType}'s axes come from the run-time value '${axes}': converted as ${node.opType === 'Squeeze' ? 'squeezing' : 'inserting'} `
          + `axes [${implied?.join(', ') ?? '?'}] (output shape [${y.join(', ')}], as the graph declares it); the converted model ignores other axes fed `
          + `at run time (freeze them with --input-value ${axes}=...)`);
      }
      return c.convert(node, ctx);
    },
  };
}

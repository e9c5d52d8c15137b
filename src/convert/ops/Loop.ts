// ONNX Loop. With a constant trip count (and no data-dependent exit) it is unrolled before conversion
// (control-flow.ts). Otherwise TFLite WHILE: the loop variables are [iteration, trip count, condition, carried...,
// outer values the body reads]; the cond subgraph computes `iteration < trip count && condition`, the body subgraph
// is the ONNX body plus `iteration + 1`. A carried value may change shape between iterations (torchvision's paste
// loops grow a [0, 3, 17] by a row per box): TFLite's WHILE resizes its loop variables when the body's outputs differ
// from its inputs. Scan outputs (stacked per iteration) would have a data-dependent size and are refused unless the
// loop is unrolled.
import type { Graph } from '../../ir/types';
import type { TflSubgraph, TflTensor } from '../../tflite/model';
import { channelLast, identity } from '../layout';
import { channelLastHints } from '../subgraph';
import { loopPlan, outerReads } from '../control-flow';
import { MAX_OPSET, OpConverter, refuse } from '../types';

const INT32_MAX = 2147483647;

const Loop: OpConverter = {
  op: 'Loop', emits: ['WHILE', 'LESS', 'LOGICAL_AND', 'ADD', 'RESHAPE'], opset: [1, MAX_OPSET], dtypes: ['int64', 'int32'],
  incidental: ['LESS', 'LOGICAL_AND', 'ADD', 'RESHAPE'], int8: false, layout: 'onnx',
  check(node, ctx) {
    const plan = loopPlan(node, ctx.graph, ctx.constants);
    if ('refuse' in plan) return refuse(/scan outputs/.test(plan.refuse) ? 'computed-input' : 'unsupported', plan.refuse);
    for (const o of node.outputs) {
      const v = ctx.graph.values.get(o);
      if (o && v && !v.dtype) return refuse('unsupported', `Loop output "${o}" is not a tensor (sequence or optional values have no TFLite equivalent)`);
    }
    return undefined;
  },
  convert(node, ctx) {
    const a = node.attrs.get('body');
    const body = (a?.type === 'graph' ? a.value : undefined) as Graph;
    const nCarried = node.inputs.length - 2;
    const captured = outerReads(body).filter((n) => !ctx.isConstant(n));
    const iter0 = ctx.constInt32([0], `${node.name}/iter0`, []);
    const trips = node.inputs[0] ? ctx.inputOnnx(node.inputs[0]) : ctx.constInt32([INT32_MAX], `${node.name}/trips`, []);
    const cond0 = node.inputs[1] ? ctx.inputOnnx(node.inputs[1])
      : ctx.constTensor({ name: `${node.name}/cond0`, type: 'BOOL', shape: [], data: Uint8Array.from([1]) });
    const [iterName, condInName, ...vNames] = body.inputs.map((v) => v.name);
    // Carried values the body reads into spatial ops are carried channel-last (the body's input and output, and so
    // every iteration, in one order: a DEQ's state into its conv); captured values keep the order they are stored
    // in (an injected conv map), as If's branches take them. Any order is exact: the body moves what it needs.
    const hinted = channelLastHints(body.nodes);
    const carriedPerms = node.inputs.slice(2).map((n, k) => {
      const r = ctx.rank(n);
      const o = node.outputs[k];
      return r >= 3 && r <= 5 && hinted.has(vNames[k]) && !ctx.isDynamic(n) && !(o && ctx.isDynamic(o)) ? channelLast(r) : identity(r);
    });
    const outerPerms = captured.map((n) => ctx.permOf(n));
    const carried = node.inputs.slice(2).map((n, k) => ctx.input(n, carriedPerms[k]));
    const outer = captured.map((n, k) => ctx.input(n, outerPerms[k]));
    const vars = [iter0, trips, cond0, ...carried, ...outer];
    const like = (t: TflTensor, name: string): TflTensor => ({ name, type: t.type, shape: [...t.shape],
      ...(t.shapeSignature ? { shapeSignature: [...t.shapeSignature] } : {}) });

    // cond: iteration < trip count && condition
    const condTensors = vars.map((i, k) => like(ctx.tensors[i], `v${k}`));
    const lt = condTensors.length;
    condTensors.push({ name: 'in_range', type: 'BOOL', shape: [...ctx.tensors[iter0].shape] });
    condTensors.push({ name: 'go', type: 'BOOL', shape: [...ctx.tensors[cond0].shape] });
    const condSg: TflSubgraph = {
      name: `${node.name}/cond`, tensors: condTensors, inputs: vars.map((_, k) => k), outputs: [lt + 1],
      operators: [
        { opcode: 'LESS', inputs: [0, 1], outputs: [lt], onnxNode: node.name },
        { opcode: 'LOGICAL_AND', inputs: [lt, 2], outputs: [lt + 1], onnxNode: node.name },
      ],
    };
    ctx.subgraphs.push(condSg);
    const condIndex = ctx.subgraphs.length;

    const bodyIndex = ctx.convertBody(body, {
      name: `${node.name}/body`,
      inputs: [iterName, condInName, ...vNames, ...captured],
      outputs: [...body.outputs.slice(0, 1 + nCarried).map((o) => o.name), ...captured],
      inputPerms: [undefined, undefined, ...carriedPerms, ...outerPerms],
      outputPerms: [undefined, ...carriedPerms, ...outerPerms],
      wrap(b, ins, outs) {
        const m = b.temp([...ctx.tensors[trips].shape], 'INT32', 'trip_count');
        const mOut = b.temp([...ctx.tensors[trips].shape], 'INT32', 'trip_count_out');
        b.emit('RESHAPE', [m, b.constInt32(ctx.tensors[trips].shape, 'trip_count_shape')], [mOut], { newShape: [...ctx.tensors[trips].shape] });
        const next = b.temp([...b.tensors[ins[0]].shape], 'INT32', 'iteration_next');
        b.emit('ADD', [ins[0], b.constInt32([1], 'one', [])], [next], { fusedActivationFunction: 'NONE' });
        return { inputs: [ins[0], m, ...ins.slice(1)], outputs: [next, mOut, ...outs] };
      },
    });

    // A carried value that grows makes LiteRT's WHILE give every output a run-time allocation, which LiteRT.js
    // cannot bind as a model output: the outputs of static size are copied by a RESHAPE to their shape (sized when
    // the model is prepared, like any other op's output). So does a body with any tensor sized at run time (a scalar
    // trip count's RESHAPE, an IF whose branch broadcasts to a computed shape: a scripted generation loop writing its
    // static token buffer), so a static output the model returns as it is is always copied.
    const grows = node.outputs.some((o) => o && ctx.isDynamic(o));
    const returned = new Set(ctx.graph.outputs.map((v) => v.name));
    const copies: [number, string][] = [];
    const outs = vars.map((i, k) => {
      const o = k >= 3 && k < 3 + nCarried ? node.outputs[k - 3] : '';
      const copied = o && !ctx.isDynamic(o) && (grows || returned.has(o));
      if (o && !copied) return ctx.output(o, carriedPerms[k - 3]);
      const t = ctx.temp(ctx.tensors[i].shape, ctx.tensors[i].type, `${node.name}/var${k}_out`);
      if (o) copies.push([t, o]);
      return t;
    });
    ctx.emit('WHILE', vars, outs, { condSubgraphIndex: condIndex, bodySubgraphIndex: bodyIndex });
    for (const [t, o] of copies) {
      const out = ctx.output(o, carriedPerms[node.outputs.indexOf(o)]);
      const shape = ctx.tensors[out].shape;
      ctx.emit('RESHAPE', [t, ctx.constInt32(shape, `${o}__static_shape`)], [out], { newShape: shape });
    }
  },
};
export default Loop;

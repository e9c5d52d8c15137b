// ONNX Gemm → TFLite FULLY_CONNECTED (constant B; alpha and beta folded into weights and bias), or
// BATCH_MATMUL + ADD when B is computed.
import { toFloat32 } from '../../ir/tensor';
import { attrFloat, attrInt } from '../attrs';
import { transposeData } from '../constdata';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse, takesDtype } from '../types';

const Gemm: OpConverter = {
  op: 'Gemm', emits: ['FULLY_CONNECTED', 'BATCH_MATMUL', 'ADD', 'MUL'], opset: [1, MAX_OPSET], inputs: [2, 3], dtypes: ['float32'],
  layout: 'onnx',
  check(node, ctx) {
    if (!takesDtype(['float32'], ctx.dtype(node.inputs[0]))) return refuse('dtype', `Gemm on ${ctx.dtype(node.inputs[0])} is not supported (float32 only)`);
    return undefined;
  },
  convert(node, ctx) {
    const [a, b, c] = node.inputs;
    const y = node.outputs[0];
    const transA = attrInt(node, 'transA', 0) === 1;
    const transB = attrInt(node, 'transB', 0) === 1;
    const alpha = attrFloat(node, 'alpha', 1);
    const beta = attrFloat(node, 'beta', 1);
    const A = ctx.input(a, transA ? [1, 0] : [0, 1]);
    const [, n] = ctx.dims(y); // the row count may be known only at run time (torchvision's RoIs)
    const B = ctx.constant(b);
    const out = ctx.output(y, [0, 1]);
    const C = c ? ctx.constant(c) : undefined;
    // A computed C is added after the product: beta·C through a MUL when beta ≠ 1.
    const addC = (product: number): void => {
      let ci = ctx.inputBroadcast(c, 2, [0, 1]);
      if (beta !== 1) {
        const s = ctx.temp(ctx.tensors[ci].shape, 'FLOAT32', `${y}__beta_c`);
        ctx.emit('MUL', [ci, ctx.constFloat32([beta], [], `${node.name}/beta`)], [s], { fusedActivationFunction: 'NONE' });
        ci = s;
      }
      ctx.emit('ADD', [product, ci], [out], { fusedActivationFunction: 'NONE' });
    };
    const computedC = !!c && !C;
    if (B) {
      const k = transB ? B.dims[1] : B.dims[0];
      let w = toFloat32(B);
      if (!transB) w = transposeData(w, B.dims, [1, 0], (m) => new Float32Array(m));
      if (alpha !== 1) w = w.map((v) => v * alpha);
      let bias = -1;
      if (!computedC) {
        const bv = new Float32Array(n);
        if (C) {
          const cv = toFloat32(C);
          if (cv.length !== 1 && cv.length !== n) ctx.fail(`Gemm's C of shape [${C.dims}] is not a per-column bias; only [N], [1,N] or a scalar are supported`);
          for (let j = 0; j < n; j++) bv[j] = beta * (cv.length === 1 ? cv[0] : cv[j]);
        }
        bias = ctx.constFloat32(bv, [n], `${node.name}/bias`);
      }
      const fc = computedC ? ctx.temp(ctx.tensors[out].shape, 'FLOAT32', `${y}__fc`) : out;
      ctx.emit('FULLY_CONNECTED', [A, ctx.constFloat32(w, [n, k], `${node.name}/weights`), bias], [fc],
        { fusedActivationFunction: 'NONE', weightsFormat: 'DEFAULT' });
      if (computedC) addC(fc);
      return;
    }
    // Computed B: BATCH_MATMUL (adjoint flags do the transposes), then scale and add C.
    const Bi = ctx.input(b, [0, 1]);
    const mm = alpha !== 1 || c ? ctx.temp(ctx.tensors[out].shape, 'FLOAT32', `${y}__mm`) : out;
    ctx.emit('BATCH_MATMUL', [A, Bi], [mm], { adjX: false, adjY: transB });
    let cur = mm;
    if (alpha !== 1) {
      const s = c ? ctx.temp(ctx.tensors[out].shape, 'FLOAT32', `${y}__scaled`) : out;
      ctx.emit('MUL', [cur, ctx.constFloat32([alpha], [], `${node.name}/alpha`)], [s], { fusedActivationFunction: 'NONE' });
      cur = s;
    }
    if (c) addC(cur);
  },
};
export default Gemm;

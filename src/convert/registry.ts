// The op registry: one converter file per ONNX op (src/convert/ops/), looked up by op type, domain and opset.
// Each declaration becomes an OpContract here: its int8 and TFLite Micro support are derived from the ops it emits
// and the int8 pass's and TFLM's op tables (narrowed only by an explicit `false`). convertNode (convert.ts) and the
// compatibility view (compat.ts) both go through `refusalOf`, so they cannot disagree.
import type { Node } from '../ir/types';
import { MICRO_OPS } from '../micro/ops';
import { INT8_OPS } from '../quantize/int8-ops';
import type { ConvertContext } from './context';
import { OPS } from './ops/index';
import { ConvertError, FLEX_ONLY, takesDtype } from './types';
import type { OpContract, OpConverter, Refusal } from './types';

/** Ops the int8 pass places itself around float islands. */
const INT8_BOUNDARY = new Set(['QUANTIZE', 'DEQUANTIZE']);

/** The declaration with int8 / micro derived from `emits` (less `incidental`), narrowed by an explicit false. */
export function resolveContract(c: OpConverter): OpContract {
  const core = c.emits.filter((op) => !c.incidental?.includes(op));
  const int8 = c.int8 !== false && core.every((op) => INT8_OPS[op] !== undefined || INT8_BOUNDARY.has(op));
  const micro = c.micro !== false && core.every((op) => MICRO_OPS[op] !== undefined);
  return { ...c, int8, micro };
}

const CONTRACTS: readonly OpContract[] = OPS.map(resolveContract);

const byOp = new Map<string, OpContract[]>();
for (const c of CONTRACTS) {
  const key = `${c.domain ?? ''}::${c.op}`;
  const list = byOp.get(key) ?? [];
  list.push(c);
  byOp.set(key, list);
}

/** com.microsoft ops onnxruntime-node's CPU cannot run (measured: "Could not find an implementation"); the
 *  quantizer and the GPU optimizer write them. */
const NO_CPU_KERNEL = new Set(['BiasAdd', 'BiasSplitGelu', 'NhwcConv', 'GroupNorm', 'SkipGroupNorm', 'QOrderedMatMul', 'QLinearReduceMean']);

function domainOf(node: Node): string {
  return node.domain === 'ai.onnx' ? '' : node.domain;
}

/** The converter for a node at an opset (0 = any opset, for layout hints). */
export function lookupConverter(node: Node, opset: number): OpContract | undefined {
  const list = byOp.get(`${domainOf(node)}::${node.opType}`);
  if (!list) return undefined;
  if (opset === 0) return list[0];
  return list.find((c) => opset >= c.opset[0] && opset <= c.opset[1]);
}

export function allConverters(): readonly OpContract[] {
  return CONTRACTS;
}

/** Why a node has no converter, in words a person can act on, with its code. */
export function unsupportedRefusal(node: Node, opset: number): Refusal {
  const d = domainOf(node);
  const list = byOp.get(`${d}::${node.opType}`);
  if (list) {
    const ranges = list.map((c) => `${c.opset[0]}–${c.opset[1]}`).join(', ');
    return { code: 'opset', message: `${node.opType} at opset ${opset} is not supported (supported opsets: ${ranges}); re-export the model with a supported opset` };
  }
  if (d === 'com.microsoft' && NO_CPU_KERNEL.has(node.opType)) {
    return { code: 'custom-domain', message: `${d}.${node.opType} has no kernel in onnxruntime's CPU build (its CUDA / ROCm providers only), so onnx2lite cannot check a conversion of it; convert the model as exported, before onnxruntime's GPU optimizations` };
  }
  if (d === 'com.microsoft' && node.opType === 'Inverse') {
    return { code: 'custom-domain', message: `${d}.Inverse (a matrix inverse) has no TFLite builtin equivalent; compute the inverse outside the model or make its input constant` };
  }
  if (d === 'com.microsoft' && /^(Q[A-Z]|DynamicQuantize)/.test(node.opType)) {
    // onnxruntime's quantizer (QOperator format, contrib Q/DQ) rather than its graph optimizer.
    return { code: 'custom-domain', message: `${d}.${node.opType} is an onnxruntime quantization op that onnx2lite does not convert; quantize the model in QDQ format (quant_format=QDQ), or convert the float model and quantize it with --quantize int8` };
  }
  if (d === 'com.microsoft.extensions' || d === 'ai.onnx.contrib') {
    // onnxruntime-extensions' custom ops (its own domain, or ai.onnx.contrib): pre / post-processing joined to a model.
    return { code: 'custom-domain', message: `${d}.${node.opType} is an onnxruntime-extensions custom op (pre / post-processing: image decoding and encoding, tokenizers, audio, cloud calls) with no TFLite equivalent; convert the network without these steps (as exported, before onnxruntime-extensions joined them to it) and do them in the app` };
  }
  if (d === 'com.microsoft' || d.startsWith('com.microsoft.') || d.startsWith('com.ms.')) {
    // com.microsoft.nchwc / com.ms.internal.nhwc: layouts of onnxruntime's highest optimization level.
    return { code: 'custom-domain', message: `${d}.${node.opType} is an onnxruntime fused op (written by onnxruntime's graph optimizer) that onnx2lite does not convert; convert the model as exported, before onnxruntime's optimizations` };
  }
  if (d === 'ai.onnx.ml') {
    return { code: 'custom-domain', message: `ai.onnx.ml.${node.opType} is a classical machine-learning op (ONNX-ML: tree ensembles, linear models, ZipMap, ...); TFLite has no such ops, onnx2lite converts neural networks only` };
  }
  if (d && d !== 'ai.onnx') return { code: 'custom-domain', message: `${d}.${node.opType} is a custom-domain op with no TFLite builtin equivalent` };
  if (FLEX_ONLY[node.opType]) {
    return { code: 'flex-only', message: `${node.opType} has no TFLite builtin; it would need the Flex delegate (TF op ${FLEX_ONLY[node.opType]}), which onnx2lite does not emit` };
  }
  return { code: 'no-converter', message: `${node.opType} has no TFLite builtin equivalent in onnx2lite yet` };
}

/** Why a node has no converter, as a line (see unsupportedRefusal). */
export function unsupportedReason(node: Node, opset: number): string {
  return unsupportedRefusal(node, opset).message;
}

/** Why the contract refuses this node: the declared input count and main-input element type first, then the
 *  converter's own `check`. Errors thrown while checking (a shape the context does not know) come back as refusals
 *  with their code. */
export function refusalOf(conv: OpContract, node: Node, ctx: ConvertContext): Refusal | undefined {
  try {
    if (conv.inputs) {
      const [min, max] = conv.inputs;
      const n = node.inputs.length;
      if (n < min || n > max) {
        const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
        return { code: 'arity', message: `${node.opType} takes ${want} input${want === '1' ? '' : 's'}, this node has ${n}` };
      }
    }
    const x = node.inputs[0];
    const dt = x ? ctx.knownDtype(x) : undefined;
    if (dt && !takesDtype(conv.dtypes, dt)) {
      return { code: 'dtype', message: `${node.opType} on ${dt} is not supported (${conv.dtypes.join(', ')} only)` };
    }
    return conv.check?.(node, ctx);
  } catch (e) {
    if (e instanceof ConvertError) return { code: e.code, message: e.detail };
    throw e;
  }
}

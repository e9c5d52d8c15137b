// Attention masks in int8: an additive mask's bias (−10000, or float32's lowest where PyTorch / Hugging Face use
// finfo.min) added to the attention scores gives the sum the bias's range, and int8 rounds it in steps of ~40 (or
// ~1e36): the scores it carries all round to one value and the softmax after it sees uniform weights (a sharp
// single-head attention fell to output cosine 0.32); with float's lowest the scale overflows and LiteRT aborts.
// The ops from the attention SOFTMAX back along its input while their output spans a mask's range (min ≤ −1000:
// the ADD of scores and bias, what only reshapes it, and the bias's own chain: MUL by the fill value, SELECT_V2,
// SUB...) stay float32; the scores and the 0/1 mask they read keep their own int8 ranges.
// Not a mask: a layer with weights running in 16x8 (`notMask`): a policy net's logits into its output SOFTMAX reach
// -1070 by their own weights (Reversi's last dense layer), not by an added fill; int16 resolves that range in steps of
// 0.033, where the rule made the layer float32 on int8-stored weights alone (no residual: 251 / 480 moves as
// onnxruntime's with `--int16 all`, 16x8 with split weights 478 / 480).
import type { TflSubgraph } from '../tflite/model';
import { isConst, producersOf } from '../tflite/graph';
import type { QParams } from './params';

/** A mask's bias reaches below this; attention scores do not. */
export const MASK_RANGE = -1000;

/** The lowest value int8 parameters `p` represent. */
const lowest = (p: QParams) => (-128 - p.zeroPoint) * p.scale;

/** Ops (indices) computing an attention SOFTMAX's masked input and its bias, to keep in float32. */
export function maskBiasOps(sg: TflSubgraph, params: Map<number, QParams>, softmaxes: number[], notMask?: (k: number) => boolean): Set<number> {
  const prod = producersOf(sg.operators);
  const out = new Set<number>();
  const wide = (i: number) => {
    const p = params.get(i);
    return p !== undefined && lowest(p) <= MASK_RANGE;
  };
  // True when the walk from `tensor` reached a tensor in a mask's range (only then do the moves it passed stay float:
  // a classifier's or YOLOv8's DFL RESHAPE before its SOFTMAX carries no mask and runs in int8).
  const walk = (tensor: number, through: boolean): boolean => {
    const k = prod.get(tensor);
    if (k === undefined || notMask?.(k)) return false;
    if (out.has(k)) return true;
    const op = sg.operators[k];
    // RESHAPE / SQUEEZE / EXPAND_DIMS between the sum and the SOFTMAX carry its range; other ops only while wide.
    const moves = op.opcode === 'RESHAPE' || op.opcode === 'EXPAND_DIMS' || op.opcode === 'SQUEEZE';
    const isWide = wide(tensor);
    if (!isWide && !(through && moves)) return false;
    if (isWide) out.add(k);
    let reached = isWide;
    for (const i of op.inputs) if (i >= 0 && !isConst(sg.tensors[i]) && walk(i, moves && through)) reached = true;
    if (reached) out.add(k);
    return reached;
  };
  for (const k of softmaxes) walk(sg.operators[k].inputs[0], true);
  return out;
}

// The warnings the int8 pass gives for what it keeps float32, one line per rule: attention's SOFTMAX and its
// BATCH_MATMUL, an attention mask's bias, the float islands by rule (int8-float-islands.ts: spectrogram, norms,
// magnitudes, recurrent cells, state packing, peak picking, sampling coordinates, box decodes, condition vectors, probabilities), joins
// of ranges too far apart, SOFTMAX read only by float ops, and ops with no int8 kernel or no calibration range.
import type { TflSubgraph } from '../tflite/model';
import { audioLikeInput } from './int8-float-islands';
import { INT8_OPS } from './int8-ops';

export interface KeptFloat {
  /** Attention's SOFTMAX → BATCH_MATMUL ops, mask-bias ops, the float islands by rule (op → rule), the joins split by
   *  their parameters, the SOFTMAX ops kept float behind float readers. */
  attention: Set<number>;
  masks: Set<number>;
  islands: Map<number, string>;
  joins: Set<number>;
  behind: Set<number>;
  /** Other float ops by opcode (no int8 kernel, or a tensor without a range), not asked for by the search. */
  floatOps: Map<string, number>;
}

/** The warning lines for the ops int8 keeps float32. */
export function keptFloatWarnings(sg: TflSubgraph, kept: KeptFloat): string[] {
  const { attention, masks, islands, joins, behind, floatOps } = kept;
  const warnings: string[] = [];
  const count = (rule: string) => [...islands.values()].filter((r) => r === rule).length;
  if (attention.size) {
    // Counted by SOFTMAX: one may read into several products, through slices and moves (attentionOps).
    const softmaxes = [...attention].filter((k) => sg.operators[k].opcode === 'SOFTMAX').length;
    const more = attention.size - 2 * softmaxes;
    warnings.push(`int8: ${softmaxes} attention SOFTMAX op(s) and the BATCH_MATMUL reading each stay float32 (int8's fixed 1/256 step `
      + `wipes out the small attention weights)${more > 0 ? `, with ${more} more product(s), slice(s) and move(s) between them` : ''}, with DEQUANTIZE/QUANTIZE around them`);
  }
  if (masks.size) warnings.push(`int8: ${masks.size} op(s) adding an attention mask's bias to the scores (and making it) stay float32 (int8 in the mask's range rounds the scores away)`);
  // Named by what the power path is: a spectrogram only when it has an STFT convolution or the model reads audio (a
  // point cloud's distances, RandLA-Net's, are the same squares summed into a SQRT).
  const audio = count('stft') > 0 || audioLikeInput(sg);
  if (count('energy') + count('stft')) {
    warnings.push(audio ? `int8: the spectrogram front end stays float32 (${count('energy')} op(s) from the audio through the power path into a LOG or SQRT; `
      + `${count('stft')} STFT convolution(s) computing in float from int8 weights): int8 rounds quiet audio and quiet bins to 0`
      : `int8: ${count('energy')} op(s) squaring values and summing them into a SQRT or LOG (a distance or norm, such as distances between points) `
      + 'stay float32 (squares span decades: int8 rounds the small ones to 0)');
  }
  if (count('norm')) warnings.push(`int8: ${count('norm')} op(s) of normalization variances (x², their mean, + ε into SQRT and DIV: decomposed LayerNorm / RMSNorm) stay float32 as one chain (TFLite has no int8 SQUARE)`);
  if (count('magnitude')) {
    warnings.push(`int8: ${count('magnitude')} layer(s) reading a linear ${audio ? '|STFT| magnitude' : 'square root of those squares (a distance or norm)'} `
      + 'compute in float32 from int8 weights (a magnitude spans decades)');
  }
  if (count('recurrent')) warnings.push(`int8: ${count('recurrent')} op(s) of the recurrent cell between the state inputs and outputs stay float32 with int8 weights (rounding the state on every call drifts)`);
  if (count('state')) warnings.push(`int8: ${count('state')} op(s) unpacking a model input or packing a model output stay float32 (each part keeps its own scale)`);
  if (count('peak')) warnings.push(`int8: ${count('peak')} op(s) of max-pool peak picking (a map, its MAX_POOL_2D and their EQUAL, back to the layer making the map) stay float32 (int8 steps tie neighbours: every plateau would be a peak)`);
  if (count('sampling')) warnings.push(`int8: ${count('sampling')} op(s) computing sampling coordinates: the indices of a computed-index gather (a GridSample's grid back to the layer making its flow, an interpolated position's floor and fractional weights) and weighting what it gathers stay float32 (an int8 step of a coordinate spans many rows or pixels)`);
  if (count('boxes')) {
    warnings.push(`int8: ${count('boxes')} op(s) decoding a box table (from the box layers' offsets through the priors to the [.., N, 4] boxes beside `
      + 'the class scores) stay float32 (one int8 step of a picture coordinate is ~1/128 of the picture, a tenth of a small box)');
  }
  if (count('condition')) {
    warnings.push(`int8: ${count('condition')} op(s) of per-picture condition vectors (a global MEAN through FULLY_CONNECTED layers to the MUL / ADD `
      + 'scaling and shifting a map, and those joins) stay float32 with int8 weights (one int8 step for every picture\'s condition misplaces the scales)');
  }
  if (count('comparison')) warnings.push(`int8: ${count('comparison')} comparison op(s) stay float32 on their inputs' int8 values (TFLite's int8 comparison breaks when an input's scale reaches 1)`);
  if (count('integral')) warnings.push(`int8: ${count('integral')} op(s) of integral regression (a SOFTMAX over more than 256 positions and the weighted sums of its probabilities) stay float32 (int8's 1/256 step rounds every probability to 0)`);
  if (count('fraction')) warnings.push(`int8: ${count('fraction')} op(s) taking fractional parts x − floor(x) (the FLOOR, x back to its source, the SUB and the floor's CAST) stay float32 (x spans many cells: an int8 step of it is more than one)`);
  if (count('channelNorm')) warnings.push(`int8: ${count('channelNorm')} op(s) of per-channel / per-group normalizations (InstanceNorm, GroupNorm: the layer making their input, the centring, the variance and the division) stay float32 (one int8 scale for every channel loses the narrow ones the norm then scales up)`);
  if (count('cutQuotient')) warnings.push(`int8: ${count('cutQuotient')} op(s) of a quotient that a slice then cuts (the DIV, the views and the slice) stay float32 (the cut-away samples, where the divisor goes to 0, would set the kept samples' int8 range)`);
  if (count('maskedLogits')) warnings.push(`int8: ${count('maskedLogits')} op(s) of logits masked by a constant fill (the layer adding the mask, what carries the logits to the ARG_MAX, and the ARG_MAX) stay float32 (one int8 scale for the −1e9 fill rounds every allowed logit to one value)`);
  if (count('kernelIsland')) warnings.push(`int8: ${count('kernelIsland')} cheap op(s) between ops with no int8 kernel (a BatchNorm between two TRANSPOSE_CONVs) stay float32 (int8 there adds two conversions and a rounding per op)`);
  if (count('runTimeTail')) warnings.push(`int8: ${count('runTimeTail')} op(s) reading or following tensors sized at run time (NonMaxSuppression, NonZero, a computed TopK and what reads their results) stay float32 with int8 weights; only the fixed-size part before them is calibrated and int8`);
  if (count('selectionInputs')) warnings.push(`int8: ${count('selectionInputs')} op(s) making the scores and boxes that NMS or a TopK before run-time-sized tensors ranks (back to and with their layers) stay float32 (int8's fixed step ties near-equal scores, and the selection takes them in another order)`);
  if (count('supportSet')) warnings.push(`int8: ${count('supportSet')} op(s) of sorts whose running sum decides a support set (sparsemax / entmax: the layer making the logits, the TOPK_V2, CUMSUM, the support test and τ up to z − τ) stay float32 (int8 rounding of near-equal logits flips the support)`);
  if (count('expertChoice')) warnings.push(`int8: ${count('expertChoice')} op(s) of top-k choices of table rows (product-key / expert routing: the TOPK_V2s, their scores back to the key layers and the layer making the query) stay float32 with int8 weights (int8 rounding swaps near-equal scores and another expert is chosen)`);
  if (count('decodedArgMax')) warnings.push(`int8: ${count('decodedArgMax')} op(s) of a map decoded at its arg-max (the layer making the map, the ARG_MAX, the gathers at its index and the weighted decode: a pitch from salience bins) stay float32 with int8 weights (int8's step ties near-equal bins and moves the decoded value)`);
  if (count('infiniteFill')) warnings.push(`int8: ${count('infiniteFill')} op(s) of tensors written with ±inf (the op taking the fill in, what carries it and the max / arg-max / sort consuming it: ToMe's protected class token) stay float32 (an infinite range end gives the tensor a scale of ~1e28: every finite value in it is 0 in int8)`);
  if (count('hardswish')) warnings.push(`int8: ${count('hardswish')} op(s) of equalized hard-swish chains (each HARD_SWISH between the MULs that undo and redo its channels' int8 scaling) compute in float32, as an int8 HARD_SWISH does`);
  if (joins.size) {
    warnings.push(`int8: ${joins.size} op(s) joining tensors whose ranges are too far apart for one int8 scale (a CONCATENATION of pixel boxes and 0-1 `
      + 'scores) and carrying the joined tensor on to the outputs or the slices that part it stay float32 (the joint step would round the narrow part away)');
  }
  if (behind.size) warnings.push(`int8: ${behind.size} SOFTMAX op(s) read only by float32 ops stay float32 (XNNPack runs the float32 one; int8 SOFTMAX is TFLite's own kernel)`);
  if (count('probability')) warnings.push(`int8: ${count('probability')} op(s) giving the model's probability (a final LOGISTIC and what only reshapes or averages it) stay float32 (int8's 1/256 step rounds small scores to 0)`);
  for (const [opcode, n] of floatOps) {
    const why = INT8_OPS[opcode] ? 'some of its tensors have no calibration range' : 'TFLite has no int8 kernel for it in onnx2lite';
    warnings.push(`int8: ${n} ${opcode} op(s) stay float32 (${why}), with DEQUANTIZE/QUANTIZE around them`);
  }
  return warnings;
}

// Writes a tiny optimum-style merged decoder (`decoder_model_merged.onnx`, as optimum exports LLM / Whisper / T5
// decoders for Transformers.js and onnxruntime-genai): one graph whose only node is an If on the bool input
// `use_cache_branch`; the then-branch is the decoder with a cache (past_key_values.0.key/value concatenated before
// the new keys / values), the else-branch the decoder without one (the past inputs, fed with length 0, are ignored).
// Both branches output logits and present.0.key/value; weights are outer initializers shared by both, as optimum
// deduplicates them. 1 layer, hidden 32, 2 heads of 16, vocabulary 50; fixed pseudo-random weights; a causal mask
// built from the run-time lengths (Shape, Gather, Range, LessOrEqual, Where) and the attention_mask padding bias.
//     node --import tsx scripts/export/merged-decoder.ts [OUT.onnx]   (default test/fixtures/control-flow/decoder_model_merged.onnx)
import { writeFileSync } from 'node:fs';
import { buildGraph, buildModel, node, tensor } from '../../src/onnx/builder';
import type { Graph, Model, Node } from '../../src/ir/types';
import { encodeModel } from '../../src/onnx/writer';

const HIDDEN = 32;
const HEADS = 2;
const HEAD = HIDDEN / HEADS;
const VOCAB = 50;

function values(n: number, seed: number, scale: number): number[] {
  let s = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(((s / 2 ** 32) * 2 - 1) * scale);
  }
  return out;
}

/** One branch: the decoder layer, with (`cache`) or without the past keys / values; value names prefixed by `p`. */
function branch(p: string, cache: boolean): Graph {
  const n = (op: string, ins: string[], outs: string[], attrs: Parameters<typeof node>[3] = {}): Node => node(op, ins, outs, attrs, `${p}${outs[0]}`);
  const heads = (x: string, name: string): Node[] => [
    n('MatMul', [x, `w_${name}`], [`${p}${name}_lin`]),
    n('Reshape', [`${p}${name}_lin`, 'heads_shape'], [`${p}${name}_4d`]),
    n('Transpose', [`${p}${name}_4d`], [`${p}${name}_h`], { perm: [0, 2, 1, 3] }),
  ];
  const nodes: Node[] = [
    n('Gather', ['embed', 'input_ids'], [`${p}x`]),
    ...heads(`${p}x`, 'q'), ...heads(`${p}x`, 'k'), ...heads(`${p}x`, 'v'),
  ];
  const key = cache ? `${p}k_all` : `${p}k_h`;
  const value = cache ? `${p}v_all` : `${p}v_h`;
  if (cache) {
    nodes.push(n('Concat', ['past_key_values.0.key', `${p}k_h`], [key], { axis: 2 }));
    nodes.push(n('Concat', ['past_key_values.0.value', `${p}v_h`], [value], { axis: 2 }));
  }
  // The causal mask from the run-time lengths (Shape / Gather / Range as the exporters write it) plus the padding
  // mask from attention_mask [batch, past + seq], both as additive biases.
  nodes.push(
    n('Shape', [key], [`${p}k_shape`]),
    n('Gather', [`${p}k_shape`, 'two'], [`${p}total`]),
    n('Shape', [`${p}q_h`], [`${p}q_shape`]),
    n('Gather', [`${p}q_shape`, 'two'], [`${p}seq`]),
    n('Sub', [`${p}total`, `${p}seq`], [`${p}past`]),
    n('Range', [`${p}past`, `${p}total`, 'one'], [`${p}q_pos`]),
    n('Unsqueeze', [`${p}q_pos`, 'last_axis'], [`${p}q_col`]),
    n('Range', ['zero', `${p}total`, 'one'], [`${p}k_pos`]),
    n('LessOrEqual', [`${p}k_pos`, `${p}q_col`], [`${p}allowed`]),
    n('Where', [`${p}allowed`, 'zero_f', 'neg'], [`${p}causal`]),
    n('Cast', ['attention_mask'], [`${p}mask_f`], { to: 1 }),
    n('Sub', ['one_f', `${p}mask_f`], [`${p}masked`]),
    n('Mul', [`${p}masked`, 'neg'], [`${p}pad_bias`]),
    n('Unsqueeze', [`${p}pad_bias`, 'mid_axes'], [`${p}pad_4d`]),
    n('Transpose', [key], [`${p}k_t`], { perm: [0, 1, 3, 2] }),
    n('MatMul', [`${p}q_h`, `${p}k_t`], [`${p}scores`]),
    n('Mul', [`${p}scores`, 'scale'], [`${p}scaled0`]),
    n('Add', [`${p}scaled0`, `${p}causal`], [`${p}scaled1`]),
    n('Add', [`${p}scaled1`, `${p}pad_4d`], [`${p}scaled`]),
    n('Softmax', [`${p}scaled`], [`${p}probs`], { axis: -1 }),
    n('MatMul', [`${p}probs`, value], [`${p}ctx_h`]),
    n('Transpose', [`${p}ctx_h`], [`${p}ctx_t`], { perm: [0, 2, 1, 3] }),
    n('Reshape', [`${p}ctx_t`, 'hidden_shape'], [`${p}ctx`]),
    n('MatMul', [`${p}ctx`, 'w_o'], [`${p}attn`]),
    n('Add', [`${p}x`, `${p}attn`], [`${p}res`]),
    n('MatMul', [`${p}res`, 'lm_head'], [`${p}logits`]),
    n('Identity', [key], [`${p}present_key`]),
    n('Identity', [value], [`${p}present_value`]),
  );
  return buildGraph({
    name: cache ? 'with_past' : 'without_past', inputs: [], nodes,
    outputs: [[`${p}logits`, 'float32', ['batch', 'seq', VOCAB]],
      [`${p}present_key`, 'float32', ['batch', HEADS, cache ? 'past+seq' : 'seq', HEAD]],
      [`${p}present_value`, 'float32', ['batch', HEADS, cache ? 'past+seq' : 'seq', HEAD]]],
  });
}

export function mergedDecoder(): Model {
  const past = (name: string): [string, 'float32', (string | number)[]] => [name, 'float32', ['batch', HEADS, 'past', HEAD]];
  return buildModel({
    opset: 14, producer: 'optimum',
    inputs: [['input_ids', 'int64', ['batch', 'seq']], ['attention_mask', 'int64', ['batch', 'past+seq']],
      past('past_key_values.0.key'), past('past_key_values.0.value'),
      ['use_cache_branch', 'bool', [1]]],
    outputs: [['logits', 'float32', ['batch', 'seq', VOCAB]], ['present.0.key', 'float32', ['batch', HEADS, 'total', HEAD]],
      ['present.0.value', 'float32', ['batch', HEADS, 'total', HEAD]]],
    initializers: [
      tensor('embed', 'float32', [VOCAB, HIDDEN], values(VOCAB * HIDDEN, 1, 1)),
      tensor('w_q', 'float32', [HIDDEN, HIDDEN], values(HIDDEN * HIDDEN, 2, 0.3)),
      tensor('w_k', 'float32', [HIDDEN, HIDDEN], values(HIDDEN * HIDDEN, 3, 0.3)),
      tensor('w_v', 'float32', [HIDDEN, HIDDEN], values(HIDDEN * HIDDEN, 4, 0.3)),
      tensor('w_o', 'float32', [HIDDEN, HIDDEN], values(HIDDEN * HIDDEN, 5, 0.3)),
      tensor('lm_head', 'float32', [HIDDEN, VOCAB], values(HIDDEN * VOCAB, 6, 0.3)),
      tensor('heads_shape', 'int64', [4], [0, -1, HEADS, HEAD]),
      tensor('hidden_shape', 'int64', [3], [0, -1, HIDDEN]),
      tensor('scale', 'float32', [], [1 / Math.sqrt(HEAD)]),
      tensor('two', 'int64', [], [2]), tensor('one', 'int64', [], [1]), tensor('zero', 'int64', [], [0]),
      tensor('last_axis', 'int64', [1], [-1]), tensor('mid_axes', 'int64', [2], [1, 2]),
      tensor('zero_f', 'float32', [], [0]), tensor('one_f', 'float32', [], [1]), tensor('neg', 'float32', [], [-10000]),
    ],
    nodes: [node('If', ['use_cache_branch'], ['logits', 'present.0.key', 'present.0.value'],
      { then_branch: branch('t_', true), else_branch: branch('e_', false) }, 'optimum::if')],
  });
}

if (process.argv[1]?.endsWith('merged-decoder.ts')) {
  const out = process.argv[2] ?? 'test/fixtures/control-flow/decoder_model_merged.onnx';
  writeFileSync(out, encodeModel(mergedDecoder()));
  console.log(`wrote ${out}`);
}

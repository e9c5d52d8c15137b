// The section of docs/node-tests.md about what Debian's libonnx-testdata 1.12 (opsets up to 17) does not test: the
// opset 18-24 forms newer exporters write, built as node tests in test/convert/opset18-21.test.ts,
// opset22-24.test.ts and test/onnx/functions-opset23.test.ts (graphs written with src/onnx/writer.ts, expected values
// from onnxruntime-node 1.30), converted and run on LiteRT. formatReport (node-tests.ts) appends it; edit it here
// when those tests change.
export const BEYOND_TESTDATA = `
## Opsets 18–24, beyond libonnx-testdata 1.12

libonnx-testdata 1.12 stops at opset 17. The forms below (torch 2.x's dynamo exporter, onnxscript, onnxruntime's
tools) are built as node tests in \`test/convert/opset18-21.test.ts\`, \`test/convert/opset22-24.test.ts\` and
\`test/onnx/functions-opset23.test.ts\`, expected values from onnxruntime-node 1.30, run on LiteRT; "rel" is the
worst max|diff| / max|ref| over the cases.

| op | opset | result |
|---|---|---|
| any op of an opset-24 model (Conv, TopK, Pad, Reshape...) | 24 | pass (the ops changed at 24 only gained element types) |
| Reduce* axes input, Split num_outputs, Pad axes / wrap, Resize antialias / keep_aspect_ratio_policy | 18–19 | pass, rel ≤ 1e-6 |
| Resize half_pixel_symmetric (linear, nearest, cubic) | 19 | pass, rel ≤ 7.3e-7 |
| ScatterND / ScatterElements reduction max / min / mul (constant indices that never repeat) | 18 | pass, exact; computed or repeated indices refused |
| GroupNormalization per group / per channel, LayerNormalization mean / inv std, Mish, Gelu, CenterCropPad, Col2Im, AffineGrid, DFT axis input | 18–21 | pass, rel ≤ 1e-6 |
| DequantizeLinear blocked, int8 / int4 weights | 21 | pass |
| RMSNormalization (last axis; axis -2 with a [3, 8] scale) | 23 | pass, rel ≤ 7.4e-8 |
| Attention (ONNX domain): 3-D / 4-D, grouped-query, scale, bool / float mask, is_causal, past / present, softcap, qk_matmul_output 0 / 3 | 23 | pass, rel ≤ 3.2e-7 (softcap); a mask shorter than the keys refused |
| Attention nonpad_kv_seqlen (constant and run-time), with TensorScatter in a decode step | 24 | pass, rel ≤ 1.2e-7 |
| RotaryEmbedding (ONNX domain): rows given, position_ids, interleaved, partial rotary_embedding_dim | 23 | pass, rel ≤ 6.4e-8 |
| Swish (alpha, after a conv) | 24 | pass, rel ≤ 7.4e-8 |
| TensorScatter linear / circular, run-time write_indices, none | 24 | pass, exact |
| LpNormalization p 1 / 2, LpPool 1-D / 2-D p 1 / 2 / 3 with pads, GlobalLpPool | 22 | pass, rel ≤ 1.6e-7 (GlobalLpPool checked at opset 2: onnxruntime 1.30 has no GlobalLpPool-22 kernel) |
| model-local functions nested two deep, attributes by reference, one function called with different attributes, value_info \`s0\`, an initializer listed as an input, weights in \`model.onnx.data\` | 23 | pass; a missing data file is one line |
| BitwiseXor / BitwiseNot | 18 | pass, exact |
| BitwiseAnd / Or, ImageDecoder, RegexFullMatch, StringSplit, Cast to float8 / bfloat16 / int4, block-wise QuantizeLinear of an activation | 18–21 | refused in one line |
| Det (unrolled cofactors, up to 4×4; larger refused) | 22 | pass, within 1e-5 (test/convert/det-unrolled.test.ts) |
| MelWeightMatrix of constant inputs (folded by its reference formula) | 17 | pass, exact |
| Optional / OptionalHasElement / OptionalGetElement that the graph decides (\`Optional(x)\`, \`Optional()\`, an omitted input, a plain tensor at 18) | 15–18 | pass, exact (folded: test/convert/optionals.test.ts); an optional graph input (libonnx-testdata's four optional_* tests) refused in one line |
| MelWeightMatrix of run-time inputs (computed on LiteRT, sized when it runs) | 17 | pass, rel ≤ 1e-6 for four banks from one model (test/convert/mel-weight-matrix.test.ts) |
| DeformConv, RandomUniform(Like), Bernoulli | 19–22 | refused in one line (no converter; random ops need Flex) |
| GridSample rank-5 (3-D volumes), linear / nearest, every padding mode | 20 | pass, within 1e-5 (test/convert/grid-sample-volume.test.ts) |
| GridSample cubic (16 gathered taps, every padding mode; 4-D only as the spec) | 20 | pass, within 1e-5 (test/convert/grid-sample-bicubic.test.ts) |
`;

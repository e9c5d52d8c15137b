// Every public Silero VAD version that npm packages ship (v4 legacy with h/c, v5, v6, the 16 kHz opset 15, half and
// "ifless" opset 18 builds) converted with only --input-shape (the sample-rate If kept as TFLite IF) and with
// --input-value sr=16000 (the If folded away), run on LiteRT beside onnxruntime-node over chunks of espeak-ng speech,
// each side carrying its own state: every output within 1e-4 × max|ref| over the sequence, but v4's `hn`.
// v4's spectrum is log(1 + 2^20·|STFT|): in near-silent bins the STFT Conv's float32 rounding is multiplied by up
// to ~5e5. onnxruntime sums each value with fused multiply-adds, LiteRT's WASM build in the same order with each
// product rounded first (WASM SIMD has no FMA), and that alone moves `hn` by 1.4e-4 × max|ref| (LOG is not it):
// given onnxruntime's STFT, LiteRT's model after it is within 3e-6 (asserted at 1e-4), and a correctly rounded STFT
// moves onnxruntime's own `hn` by 1.6e-4. So v4's `hn` is held to its float32 floor: no farther from onnxruntime
// than 1.25× what onnxruntime's own rounding of the STFT costs (test/helpers/silero-stft.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SILERO_FILES, checkSilero, findSilero, speech } from '../helpers/silero';
import { checkStftSplit } from '../helpers/silero-stft';

const CHUNKS = 40;
const audio = speech(16000);
const audio8k = speech(8000);

for (const [label, files] of Object.entries(SILERO_FILES)) {
  const p = findSilero(files);
  const pkg = files[0].split('/').slice(0, files[0].startsWith('@') ? 2 : 1).join('/');
  const skip = !p ? `${files[0]} is not installed (${pkg} is a devDependency: npm install)`
    : !audio ? 'espeak-ng or sox is missing' : false;
  test(`Silero VAD ${label}: LiteRT matches onnxruntime over ${CHUNKS} chunks of speech, IF kept and sr frozen`, { skip }, async (t) => {
    const bounds: Record<string, number> = {};
    if (label.startsWith('v4')) {
      const split = await checkStftSplit(p!, audio!, CHUNKS);
      const line = (r: Record<string, number>) => Object.entries(r).map(([o, q]) => `${o} ${q.toExponential(2)}`).join(', ');
      t.diagnostic(`v4 cut at the STFT: LiteRT after onnxruntime's STFT ${line(split.sameStft)}; onnxruntime fed a correctly rounded STFT ${line(split.exactStft)}; whole ${line(split.whole)}`);
      for (const [o, q] of Object.entries(split.sameStft)) assert.ok(q <= 1e-4, `v4 after the STFT: ${o} ${q} > 1e-4`);
      bounds.hn = Math.max(1e-4, 1.25 * split.exactStft.hn!);
    }
    for (const freezeSr of [false, true]) {
      const r = await checkSilero(p!, audio!, { chunk: 512, sr: 16000, count: CHUNKS, freezeSr });
      t.diagnostic(`${freezeSr ? 'sr=16000 frozen' : 'IF kept'}: max|diff|/max|ref| over the sequence ${Object.entries(r.perOutput).map(([o, q]) => `${o} ${q.toExponential(2)}`).join(', ')}; chunk by chunk ${r.worstStep.toExponential(2)}; ${r.subgraphs} subgraph(s); speech probability up to ${Math.max(...r.probs).toFixed(3)}`);
      for (const [o, q] of Object.entries(r.perOutput)) {
        const bound = bounds[o] ?? 1e-4;
        assert.ok(q <= bound, `${label} ${freezeSr ? 'frozen' : 'IF'}: ${o} ${q} > ${bound}`);
      }
      assert.ok(Math.max(...r.probs) > 0.5, 'the audio holds speech the model detects');
      if (freezeSr) assert.equal(r.subgraphs, 1, 'sr frozen: no IF left');
    }
    // 8 kHz: 256-sample chunks (32 samples of context from v5 on); the IF kept takes the 8 kHz branch at run time.
    const r8 = await checkSilero(p!, audio8k!, { chunk: 256, sr: 8000, count: 20, context: label.startsWith('v4') ? 0 : 32 });
    t.diagnostic(`8 kHz, IF kept: ${Object.entries(r8.perOutput).map(([o, q]) => `${o} ${q.toExponential(2)}`).join(', ')}`);
    for (const [o, q] of Object.entries(r8.perOutput)) assert.ok(q <= 1e-4, `${label} 8 kHz: ${o} ${q}`);
  });
}

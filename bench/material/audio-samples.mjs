// Real-looking speech for the int8 audio benchmark, made with espeak-ng and sox: 16 kHz mono 16-bit .wav files,
// each a sentence between silences (0.4 s before, 0.6 s after) over a little pink noise, so voice activity
// detection sees both speech and non-speech. The calibration and evaluation sets never share a sentence, a voice,
// a speed or a noise level.
// Usage: node bench/material/audio-samples.mjs OUT_DIR   → OUT_DIR/{calib,eval}/NN.wav (skips existing files)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const CALIB_TEXT = `Hey Jarvis, turn on the lights in the kitchen please
The quick brown fox jumps over the lazy dog near the river
Set a timer for ten minutes and remind me to call my sister
What is the weather going to be like tomorrow morning
Alexa, play some relaxing music in the living room
Please keep this receipt for your records and returns
Meeting room four is booked from nine thirty to eleven
The lighthouse keeper counted ships until midnight`.split('\n');

const EVAL_TEXT = `Hey Mycroft, what time is it in Tokyo right now
Annual revenue grew by fourteen percent to three million
Do not open this door, the alarm will sound immediately
Train eight four zero six to Hamburg is delayed by ten minutes
Alexa, add milk and bread to my shopping list
Wash at forty degrees and do not tumble dry
Hey Jarvis, lock the front door and close the garage
The committee approved the budget after a long discussion`.split('\n');

// espeak-ng voice+variant, words per minute, pitch; noise level (sox vol) — disjoint between the two sets.
const CALIB_VOICES = [['en-us', 165, 50, 0.004], ['en-gb+f3', 150, 60, 0.008], ['en-us+m3', 180, 40, 0.002], ['en-gb-x-rp+f2', 140, 70, 0.006]];
const EVAL_VOICES = [['en-gb-scotland', 160, 45, 0.005], ['en-us+f4', 175, 65, 0.003], ['en-029+m2', 145, 55, 0.007], ['en-gb-x-gbclan+f1', 170, 60, 0.001]];

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.error?.message ?? r.stderr}`);
  return r.stdout;
}

function utterance(file, text, [voice, wpm, pitch, noise]) {
  const tmp = `${file}.tmp`;
  fs.mkdirSync(tmp, { recursive: true });
  try {
    const raw = path.join(tmp, 'speech.wav');
    const padded = path.join(tmp, 'padded.wav');
    const hiss = path.join(tmp, 'noise.wav');
    run('espeak-ng', ['-v', voice, '-s', String(wpm), '-p', String(pitch), '-w', raw, text]);
    run('sox', ['-D', raw, '-r', '16000', '-c', '1', '-b', '16', padded, 'gain', '-n', '-3', 'pad', '0.4', '0.6']);
    const seconds = run('soxi', ['-D', padded]).trim();
    run('sox', ['-D', '-n', '-r', '16000', '-c', '1', '-b', '16', hiss, 'synth', seconds, 'pinknoise', 'vol', String(noise)]);
    const out = path.join(tmp, 'mixed.wav');
    run('sox', ['-D', '-m', padded, hiss, '-b', '16', out]);
    fs.renameSync(out, file);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Makes OUT/{calib,eval}/NN.wav; returns OUT. */
export function makeAudioSamples(out) {
  for (const [set, texts, voices] of [['calib', CALIB_TEXT, CALIB_VOICES], ['eval', EVAL_TEXT, EVAL_VOICES]]) {
    const dir = path.join(out, set);
    fs.mkdirSync(dir, { recursive: true });
    texts.forEach((text, i) => {
      const file = path.join(dir, `${String(i).padStart(2, '0')}.wav`);
      if (!fs.existsSync(file)) utterance(file, text, voices[i % voices.length]);
    });
  }
  return out;
}

if (/audio-samples\.mjs$/.test(process.argv[1] ?? '')) {
  if (!process.argv[2]) { console.error('usage: node bench/material/audio-samples.mjs OUT_DIR'); process.exit(2); }
  console.log(makeAudioSamples(process.argv[2]));
}

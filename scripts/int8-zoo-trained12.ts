// Task measures of scripts/check-int8-zoo.ts for the trained models of docs/model-sweep.md "int8 on trained models
// not tried before (s29-trained12)", decoded as each repository's own code does:
// - notes (Cyberblasta/ThePitchDetect: 8 sigmoid note probabilities of a rough CQT frame; the analyzer's
//   note_decode keeps the notes over 0.2): the set of notes kept the same as onnxruntime's, the probabilities'
//   error, the notes whose side of 0.2 moved, and both sets against the file's notes (`NNN_D4+F5.npy`,
//   scripts/export/trained12-samples.py notes).
// - signs (latifhasan123/hand_tracking: 39 sigmoid scores of a 30-frame hand-feature sequence; the app takes the
//   arg-max): the same sign as onnxruntime, and both against the file's class index (`NNNN_k.npy`).
// The other models of that section use the existing kinds: score (the churn MLP's one probability) and psnr (the
// SRCNN super-resolution, PIXEL_SCALE=1; the SED U-Net's map in [0, 1]).
import * as path from 'node:path';
import type { Outs } from './int8-zoo-tasks';
import type { LprAcc } from './int8-zoo-trained10';

const NOTES = ['D4', 'F4', 'G4', 'A4', 'Bb4', 'C5', 'D5', 'F5'];
const NOTE_T = 0.2; // the analyzer's note_decode_threshold
const first = (m: Outs) => m.get([...m.keys()][0])!.data as Float32Array;

export interface NotesAcc extends LprAcc { val: number[]; flips: number }

/** The notes a frame decides (probability over 0.2), as the analyzer's note_decode keeps them. */
const kept = (p: Float32Array) => NOTES.filter((_, i) => p[i] > NOTE_T).join('+');

export function notesJudge(ref: Outs, got: Outs, file: string, a: NotesAcc): void {
  const r = first(ref), g = first(got), label = /^\d+_(.+)\.npy$/.exec(path.basename(file))?.[1];
  for (let i = 0; i < NOTES.length; i++) {
    a.val.push(Math.abs(r[i] - g[i]));
    if ((r[i] > NOTE_T) !== (g[i] > NOTE_T)) a.flips++;
  }
  if (kept(r) === kept(g)) a.sameClass++;
  if (!label) return;
  a.labelled++;
  if (kept(r) === label) a.refRight++;
  if (kept(g) === label) a.gotRight++;
}

export function signsJudge(ref: Outs, got: Outs, file: string, a: LprAcc): void {
  const am = (v: Float32Array) => v.reduce((b, x, i) => (x > v[b] ? i : b), 0);
  const r = am(first(ref)), g = am(first(got)), label = /^\d+_(\d+)\.npy$/.exec(path.basename(file))?.[1];
  if (r === g) a.sameClass++;
  if (label === undefined) return;
  a.labelled++;
  if (r === Number(label)) a.refRight++;
  if (g === Number(label)) a.gotRight++;
}

export function notesText(a: NotesAcc): string {
  const mean = a.val.reduce((s, x) => s + x, 0) / Math.max(1, a.val.length), max = a.val.reduce((s, x) => Math.max(s, x), 0);
  return `frames keeping the same notes (> ${NOTE_T}) as ORT ${a.sameClass} / ${a.pics}; probability error mean ${mean.toFixed(4)} max ${max.toFixed(4)}; `
    + `note decisions moved ${a.flips} / ${a.pics * NOTES.length}; the file's notes: ORT ${a.refRight} / ${a.labelled}, this ${a.gotRight} / ${a.labelled}`;
}

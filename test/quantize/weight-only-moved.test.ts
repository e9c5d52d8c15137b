// fp16 / dynamic have no accuracy guard: a self-check under cosine 0.99 against the float model becomes a warning
// (src/quantize/file.ts weightOnlyMoved), never a silent write; int8 keeps its own guard, a run not compared none.
import test from 'node:test';
import assert from 'node:assert/strict';
import { weightOnlyMoved } from '../../src/quantize/file';
import type { Verification } from '../../src/core/verify';

const v = (maxRel: number, cosine: number): Verification => ({ maxRel, cosine, ms: 1 });

test('fp16 / dynamic self-checks under cosine 0.99 warn; at or over it, int8, or not compared, they do not', () => {
  assert.match(weightOnlyMoved('fp16', v(0.65, 0.987))!, /--quantize fp16 moved the outputs .*cosine 0\.9870 < 0\.99.*max rel error 6\.5e-1/);
  assert.match(weightOnlyMoved('dynamic', v(0.98, 0.8))!, /--quantize dynamic moved/);
  assert.match(weightOnlyMoved('dynamic', v(Infinity, NaN))!, /cosine NaN/);
  assert.equal(weightOnlyMoved('fp16', v(6.9e-4, 0.99999)), undefined);
  assert.equal(weightOnlyMoved('fp16', v(1e-2, 0.99)), undefined);
  assert.equal(weightOnlyMoved('int8', v(0.5, 0.5)), undefined);
  assert.equal(weightOnlyMoved('fp16', v(NaN, NaN)), undefined);
});

test('a detector\'s rows judged as a set: reordered near-ties are no move, a set that moved is named by its set cosine', () => {
  const topk = (setCosine: number) => ({ outputs: ['labels', 'boxes', 'scores'], rows: 300, tied: 4, reordered: 6, setCosine });
  // DEIMv2-atto fp16: positional cosine 0.5806 (near-equal rows swapped), as a set 0.9987: the guard passed it
  assert.equal(weightOnlyMoved('fp16', { ...v(0.9, 0.5806), topk: topk(0.9987) }), undefined);
  assert.match(weightOnlyMoved('dynamic', { ...v(0.9, 0.5806), topk: topk(0.9251) })!, /cosine 0\.9251 < 0\.99/);
});

// convertModel and analyzeCompatibility work on copies: the Model they are given stays as it was read, so the same
// in-memory model converts again (or after the compatibility check's trial conversion) to the same bytes as a fresh
// read. Before, clean-up passes wrote into the node attribute maps the copies share with it: crossformer's second
// conversion failed ("Einsum operands disagree on the size of label h"), the second compatibility check differed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Model } from '../../src/ir/types';
import { convertModel } from '../../src/convert/convert';
import { analyzeCompatibility } from '../../src/convert/compat';
import { serializeTflite } from '../../src/tflite/writer';
import { einsumHeadViews, fusedTransBatch, modelText } from '../helpers/attr-rewrites';

const bytes = (m: Model): Buffer => Buffer.from(serializeTflite(convertModel(m).model));

for (const [name, build] of [['Einsum of head views', einsumHeadViews], ['FusedMatMul transBatchB', fusedTransBatch]] as const) {
  test(`${name}: converting the same model twice gives a fresh read's bytes and leaves the model unchanged`, () => {
    const fresh = bytes(build());
    const m = build();
    const before = modelText(m);
    assert.ok(bytes(m).equals(fresh));
    assert.equal(modelText(m), before, 'convert changed the model it was given');
    assert.ok(bytes(m).equals(fresh), 'the second conversion differs');
  });

  test(`${name}: the compatibility check (with its trial conversion) twice, then convert, as on a fresh read`, () => {
    const m = build();
    const verdicts = () => JSON.stringify(analyzeCompatibility(m).nodes.map((n) => [n.node, n.status, n.emits, n.reason]));
    const first = verdicts();
    assert.equal(verdicts(), first);
    assert.ok(bytes(m).equals(bytes(build())));
  });
}

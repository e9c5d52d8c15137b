// Seeded mutations of real models (flipped bytes, truncations, spliced garbage): reading and shape inference
// either succeed or fail with a ModelError, never another exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { inferShapes } from '../../src/ir/shapes/index';
import { ModelError } from '../../src/ir/types';
import { decodeModel } from '../../src/onnx/reader';
import { encodeModel } from '../../src/onnx/writer';
import { readModelFile } from '../../src/onnx/reader';

function rng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 4294967296;
  };
}

/** The structure of a model without its big weights, so mutations land in nodes, attributes and shapes. */
function skeleton(file: string): Uint8Array {
  const m = readModelFile(file);
  for (const [k, t] of m.graph.initializers) if (t.dims.reduce((a, b) => a * b, 1) > 64) m.graph.initializers.delete(k);
    // Weights that were dropped become inputs, so the skeleton is still a valid model.
  const names = new Set([...m.graph.initializers.keys(), ...m.graph.inputs.map((v) => v.name)]);
  const produced = new Set(m.graph.nodes.flatMap((n) => n.outputs));
  for (const n of m.graph.nodes) for (const i of n.inputs) if (i && !names.has(i) && !produced.has(i)) { names.add(i); m.graph.inputs.push({ name: i, dtype: 'float32', shape: undefined }); }
  return encodeModel(m);
}

for (const name of ['gru_small', 'lstm_small', 'transformer_encoder_layer', 'shufflenet_v2_x1_0']) {
  test(`mutated ${name}: a model or a ModelError, nothing else`, (t) => {
    const base = skeleton(`../shared/models/${name}.onnx`);
    const rand = rng(name.length * 7919);
    let ok = 0;
    let refused = 0;
    for (let k = 0; k < 300; k++) {
      let bytes = Uint8Array.from(base);
      const kind = k % 3;
      if (kind === 0) for (let j = 0; j < 1 + Math.floor(rand() * 4); j++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
      else if (kind === 1) bytes = bytes.subarray(0, Math.floor(rand() * bytes.length));
      else {
        const at = Math.floor(rand() * bytes.length);
        const junk = Uint8Array.from({ length: 1 + Math.floor(rand() * 16) }, () => Math.floor(rand() * 256));
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...junk, ...bytes.subarray(at)]);
      }
      try {
        const m = decodeModel(bytes, { baseDir: '/nonexistent' });
        inferShapes(m);
        ok++;
      } catch (e) {
        if (!(e instanceof ModelError)) assert.fail(`mutation ${k}: ${(e as Error).constructor.name}: ${(e as Error).message}`);
        refused++;
      }
    }
    t.diagnostic(`${ok} read, ${refused} refused with a ModelError`);
    assert.equal(ok + refused, 300);
  });
}

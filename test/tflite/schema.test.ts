// The schema metadata (parsed from schema.fbs by generate.mjs) agrees with flatc's generated accessors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { TABLES, UNIONS } from '../../src/generated/tflite/schema_meta';

test('every table field sits in the vtable slot flatc gives it', () => {
  const ts = readFileSync('src/generated/tflite/schema_generated.ts', 'utf8');
  const classes = new Map<string, Map<string, number>>();
  for (const chunk of ts.split(/^export class /m).slice(1)) {
    const name = /^\w+/.exec(chunk)![0];
    const slots = new Map<string, number>();
    for (const m of chunk.matchAll(/^(\w+)(?:<[^>]*>)?\([^)]*\)[^\n]*\{\n\s*const offset = this\.bb!\.__offset\(this\.bb_pos, (\d+)\)/gm)) {
      if (!slots.has(m[1]!)) slots.set(m[1]!, (Number(m[2]) - 4) / 2);
    }
    classes.set(name, slots);
  }
  let checked = 0;
  for (const [table, fields] of Object.entries(TABLES)) {
    const slots = classes.get(table);
    assert.ok(slots, `flatc generated no class ${table}`);
    for (const f of fields) {
      if (f.deprecated) continue;
      assert.equal(slots.get(f.name), f.slot, `${table}.${f.name}`);
      if (f.kind === 'union') assert.equal(slots.get(f.name + 'Type'), f.slot - 1, `${table}.${f.name}Type`);
      checked++;
    }
    const distinct = new Set(slots.values()).size;
    assert.equal(distinct, fields.filter((f) => !f.deprecated).length + fields.filter((f) => f.kind === 'union').length, `${table} field count`);
  }
  assert.ok(checked > 300);
  assert.equal(UNIONS.BuiltinOptions![0], 'Conv2DOptions');
  assert.equal(UNIONS.BuiltinOptions!.length, 126);
});

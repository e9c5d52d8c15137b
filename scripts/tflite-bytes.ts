// Where the bytes of a .tflite go: every vector and string of the flatbuffer is attributed to a section (weights,
// quantization scales / zero points, tensor names, shapes, op inputs/outputs, metadata, ...), shared ones counted
// once; what is left is tables, vtables and alignment padding. Used to find what an int8 model spends besides its
// weights (issue #13: a small model's int8 file must be <= 35% of its float32 one).
// Usage: node --import tsx scripts/tflite-bytes.ts MODEL.tflite [MORE.tflite ...]
import * as fs from 'node:fs';
import { ByteBuffer } from 'flatbuffers';
import * as fb from '../src/generated/tflite/schema_generated';

type Section = 'weights' | 'metadata' | 'scales' | 'zero points' | 'min/max' | 'tensor names' | 'shapes'
  | 'op inputs/outputs' | 'other strings';

/** [start, end) of a vector (or string) field of the table at `pos`; undefined when absent. */
function vectorRange(bb: ByteBuffer, pos: number, field: number, elemBytes: number, nulTerminated = false): [number, number] | undefined {
  const rel = bb.__offset(pos, field);
  if (!rel) return undefined;
  const start = bb.__vector(pos + rel);
  const len = bb.__vector_len(pos + rel);
  return [start - 4, start + len * elemBytes + (nulTerminated ? 1 : 0)];
}

export function tfliteBytes(bytes: Uint8Array): { total: number; sections: Map<Section | 'tables, vtables, padding', number> } {
  const bb = new ByteBuffer(bytes);
  const m = fb.Model.getRootAsModel(bb);
  const owner = new Map<number, [number, Section]>();
  const add = (r: [number, number] | undefined, s: Section) => { if (r && !owner.has(r[0])) owner.set(r[0], [r[1], s]); };
  const metadataBuffers = new Set<number>();
  for (let i = 0; i < m.metadataLength(); i++) {
    const md = m.metadata(i)!;
    metadataBuffers.add(md.buffer());
    add(vectorRange(bb, md.bb_pos, 4, 1, true), 'other strings');
  }
  for (let i = 0; i < m.buffersLength(); i++) add(vectorRange(bb, m.buffers(i)!.bb_pos, 4, 1), metadataBuffers.has(i) ? 'metadata' : 'weights');
  for (let s = 0; s < m.subgraphsLength(); s++) {
    const sg = m.subgraphs(s)!;
    add(vectorRange(bb, sg.bb_pos, 12, 1, true), 'other strings');
    add(vectorRange(bb, sg.bb_pos, 6, 4), 'op inputs/outputs');
    add(vectorRange(bb, sg.bb_pos, 8, 4), 'op inputs/outputs');
    for (let t = 0; t < sg.tensorsLength(); t++) {
      const tensor = sg.tensors(t)!;
      add(vectorRange(bb, tensor.bb_pos, 4, 4), 'shapes');
      add(vectorRange(bb, tensor.bb_pos, 18, 4), 'shapes');
      add(vectorRange(bb, tensor.bb_pos, 10, 1, true), 'tensor names');
      const q = tensor.quantization();
      if (q) {
        add(vectorRange(bb, q.bb_pos, 4, 4), 'min/max');
        add(vectorRange(bb, q.bb_pos, 6, 4), 'min/max');
        add(vectorRange(bb, q.bb_pos, 8, 4), 'scales');
        add(vectorRange(bb, q.bb_pos, 10, 8), 'zero points');
      }
    }
    for (let o = 0; o < sg.operatorsLength(); o++) {
      const op = sg.operators(o)!;
      add(vectorRange(bb, op.bb_pos, 6, 4), 'op inputs/outputs');
      add(vectorRange(bb, op.bb_pos, 8, 4), 'op inputs/outputs');
    }
  }
  for (let i = 0; i < m.signatureDefsLength(); i++) {
    const sig = m.signatureDefs(i)!;
    add(vectorRange(bb, sig.bb_pos, 8, 1, true), 'other strings');
    for (let k = 0; k < sig.inputsLength(); k++) add(vectorRange(bb, sig.inputs(k)!.bb_pos, 4, 1, true), 'other strings');
    for (let k = 0; k < sig.outputsLength(); k++) add(vectorRange(bb, sig.outputs(k)!.bb_pos, 4, 1, true), 'other strings');
  }
  const sections = new Map<Section | 'tables, vtables, padding', number>();
  let counted = 0;
  for (const [start, [end, s]] of owner) {
    sections.set(s, (sections.get(s) ?? 0) + end - start);
    counted += end - start;
  }
  sections.set('tables, vtables, padding', bytes.length - counted);
  return { total: bytes.length, sections };
}

if (/tflite-bytes\.ts$/.test(process.argv[1] ?? '')) {
  const files = process.argv.slice(2);
  if (files.length === 0) { console.error('usage: node --import tsx scripts/tflite-bytes.ts MODEL.tflite [MORE.tflite ...]'); process.exit(2); }
  const results = files.map((f) => tfliteBytes(fs.readFileSync(f)));
  const names = [...new Set(results.flatMap((r) => [...r.sections.keys()]))];
  console.log('section'.padEnd(26) + files.map((f) => f.split('/').pop()!.slice(0, 22).padStart(24)).join(''));
  for (const n of names) console.log(n.padEnd(26) + results.map((r) => String(r.sections.get(n) ?? 0).padStart(24)).join(''));
  console.log('total'.padEnd(26) + results.map((r) => String(r.total).padStart(24)).join(''));
}

// Face boxes for the landmark crops of scripts/export/trained7-samples.py (docs/model-sweep.md "int8 on trained models
// not tried before (s24-trained7)"): Ultra-Light-Fast-Generic-Face-Detector's RFB-320 (the `version-RFB-320.onnx`
// that cunjian/pytorch_face_landmark runs before its PFLD landmarks) on onnxruntime over each photo of the folders
// given, fed as that repository feeds it (RGB resized to 320x240, (p - 127) / 128), faces scored over 0.7 after hard NMS
// at IoU 0.3, at least MIN_H photo px high, as {"photo path": [[x1, y1, x2, y2], ...]} in the photo's px on stdout.
// usage: node --import tsx scripts/face-boxes.ts RFB-320.onnx DIR... > boxes.json
import { loadImage } from '../src/calibration/image';
import { openOnnx } from '../src/runtime/ort';
import { photosOf } from './photo-size';

const MIN_H = 40;

function iou(a: number[], b: number[]): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0])), h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  return (w * h) / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h);
}

async function main() {
  const [onnx, ...dirs] = process.argv.slice(2);
  const ort = await openOnnx(onnx);
  const out: Record<string, number[][]> = {};
  for (const [file, w, h] of photosOf(dirs)) {
    const x = loadImage(file, { name: 'input', dims: [1, 3, 240, 320] }, { mean: [127 / 255], std: [128 / 255] });
    const r = await ort.run([x]);
    const sc = r.get('scores')!.data as Float32Array, bx = r.get('boxes')!.data as Float32Array;
    const cands: number[][] = [];
    for (let i = 0; i < sc.length / 2; i++) {
      if (sc[2 * i + 1] > 0.7) cands.push([bx[4 * i] * w, bx[4 * i + 1] * h, bx[4 * i + 2] * w, bx[4 * i + 3] * h, sc[2 * i + 1]]);
    }
    cands.sort((a, b) => b[4] - a[4]);
    const kept: number[][] = [];
    for (const c of cands) if (kept.every((k) => iou(k, c) <= 0.3)) kept.push(c);
    const faces = kept.filter((c) => c[3] - c[1] >= MIN_H).map((c) => c.slice(0, 4).map(Math.round));
    if (faces.length) out[file] = faces;
  }
  await ort.close();
  console.log(JSON.stringify(out));
}
void main();

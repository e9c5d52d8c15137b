// Person boxes for the re-id crops of scripts/export/trained6-samples.py (docs/model-sweep.md "int8 on trained models
// not tried before (s23-trained6)"): NanoDet-m (Kazuhito00/Detection-PoseEstimation-Pipeline's nanodet_m_320.onnx) on
// onnxruntime over each photo of the folders given, persons (COCO label 0) scored over 0.5 whose box is at least
// MIN_H photo px high, as {"photo path": [[x1, y1, x2, y2], ...]} in the photo's px on stdout: the detector a tracking
// pipeline runs before its re-id model.
// usage: node --import tsx scripts/person-boxes.ts NANODET.onnx DIR... > boxes.json
import { loadImage } from '../src/calibration/image';
import { openOnnx } from '../src/runtime/ort';
import { nanodetDets } from './int8-zoo-policy-gfl';
import { photosOf } from './photo-size';

const MIN_H = 96;

async function main() {
  const [onnx, ...dirs] = process.argv.slice(2);
  const ort = await openOnnx(onnx);
  const out: Record<string, number[][]> = {};
  for (const [file, w, h] of photosOf(dirs)) {
    const x = loadImage(file, { name: 'input.1', dims: [1, 3, 320, 320] }, { mean: [0.406, 0.456, 0.485], std: [0.225, 0.224, 0.229], channelOrder: 'bgr' });
    const boxes = nanodetDets(await ort.run([x]), 320, 320, 0.5).filter((d) => d.label === 0)
      .map((d) => [d.box[0] * w / 320, d.box[1] * h / 320, d.box[2] * w / 320, d.box[3] * h / 320].map(Math.round))
      .filter((b) => b[3] - b[1] >= MIN_H);
    if (boxes.length) out[file] = boxes;
  }
  await ort.close();
  console.log(JSON.stringify(out, null, 1));
}
void main();

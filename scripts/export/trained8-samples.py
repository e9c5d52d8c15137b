"""Samples for the trained models of docs/model-sweep.md "int8 on trained models not tried before (s25-trained8)":
nothing downloaded here; calibration and evaluation never share a sample.

  /usr/bin/python3 scripts/export/trained8-samples.py rows CSV OUT_DIR WIDTH
      OUT_DIR/{calib,eval}/NNNN_L.npy: [1, WIDTH] float32 rows of a labelled CSV (label, WIDTH values) as
      PINTO0309/hand-gesture-recognition-using-onnx ships them (model/keypoint_classifier/keypoint.csv: 21 hand
      landmarks of MediaPipe Hands made relative to the wrist and divided by their largest |value|, 4,450 rows;
      model/point_history_classifier/point_history.csv: the index finger tip's last 16 positions relative to the
      first, over the picture's size, 5,295 rows). The rows are shuffled (seed 1): the first 64 go to calib, the next
      800 to eval; L is the row's label (check-int8-zoo's `ids` kind reads it).
  /usr/bin/python3 scripts/export/trained8-samples.py ocad FACES_DIR PHOTOS_DIR OUT_DIR
      The one-class anomaly detector of PINTO0309/Keras-OneClassAnomalyDetection (MobileNetV2 features of 96x96
      pictures; its repository's 100 96x96 face pictures, models/tensorflow/quantization/images, are the "normal"
      class): OUT_DIR/calib = faces 1-25 and 10 crops of PHOTOS_DIR/calib; OUT_DIR/ref = faces 26-50 (the LOF's
      training features, each runtime computing its own); OUT_DIR/eval = faces 51-100 (n_*.png, normal) and 50 96x96
      crops (a random square of 30-90% of the shorter side, seed 2) of the photos of PHOTOS_DIR/eval whose names
      start with fd_ or sk_ (street scenes, scikit-image's pictures: no face; a_*.png, anomalies).
"""
import csv
import os
import random
import sys

import numpy as np
from PIL import Image


def rows(src, out, width):
    with open(src, encoding='utf-8-sig') as f:
        data = [r for r in csv.reader(f) if len(r) == width + 1]
    random.Random(1).shuffle(data)
    for part, chunk in (('calib', data[:64]), ('eval', data[64:864])):
        os.makedirs(os.path.join(out, part), exist_ok=True)
        for i, r in enumerate(chunk):
            x = np.array([[float(v) for v in r[1:]]], dtype=np.float32)
            np.save(os.path.join(out, part, f'{i:04d}_{int(r[0])}.npy'), x)


def crops(photos, n, rnd, out, prefix):
    for i in range(n):
        im = Image.open(photos[i % len(photos)]).convert('RGB')
        s = int(min(im.size) * rnd.uniform(0.3, 0.9))
        x, y = rnd.randrange(0, im.size[0] - s + 1), rnd.randrange(0, im.size[1] - s + 1)
        im.crop((x, y, x + s, y + s)).resize((96, 96), Image.BILINEAR).save(os.path.join(out, f'{prefix}_{i:03d}.png'))


def ocad(faces, photos, out):
    names = sorted(f for f in os.listdir(faces) if f.endswith('.jpg'))
    for part in ('calib', 'ref', 'eval'):
        os.makedirs(os.path.join(out, part), exist_ok=True)
    for i, f in enumerate(names):
        part, prefix = ('calib', 'c') if i < 25 else ('ref', 'r') if i < 50 else ('eval', 'n')
        Image.open(os.path.join(faces, f)).convert('RGB').save(os.path.join(out, part, f'{prefix}_{i:03d}.png'))
    pick = lambda d: sorted(os.path.join(d, f) for f in os.listdir(d) if f.startswith(('fd_', 'sk_')))
    crops(pick(os.path.join(photos, 'calib')), 10, random.Random(1), os.path.join(out, 'calib'), 'p')
    crops(pick(os.path.join(photos, 'eval')), 50, random.Random(2), os.path.join(out, 'eval'), 'a')


if __name__ == '__main__':
    if sys.argv[1] == 'rows':
        rows(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif sys.argv[1] == 'ocad':
        ocad(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)

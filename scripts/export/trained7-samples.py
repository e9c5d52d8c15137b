"""Samples for the trained models of docs/model-sweep.md "int8 on trained models not tried before (s24-trained7)":
nothing downloaded; calibration and evaluation never share a sample (other photos, other voices / noise draws).

  /usr/bin/python3 scripts/export/trained7-samples.py dark SRC_DIR OUT_DIR
      OUT_DIR/*.png: the photos of SRC_DIR darkened as trained4 darkened them for the low-light models (ImageMagick's
      `-evaluate multiply 0.35 -gamma 0.8`: v' = (0.35 v)^(1 / 0.8) on [0, 1]), for PairLIE.
  /usr/bin/python3 scripts/export/trained7-samples.py luma SRC_DIR OUT_DIR
      OUT_DIR/*.png: the photos' centre square resized to 224x224, the Y of YCbCr as a grey PNG (PIL's 'L' is ITU-R
      601's luma, the tutorial's `img.convert('YCbCr')` Y): the super-resolution net's input (Y / 255).
  /usr/bin/python3 scripts/export/trained7-samples.py faces BOXES.json OUT_DIR
      OUT_DIR/P_k.png: 112x112 RGB face crops as cunjian/pytorch_face_landmark's test_camera_pfld_onnx.py makes them
      (the box's longer side x 1.1, centred square, black outside the photo, resized to 56 then to 112) from the
      face boxes of BOXES.json ({"photo": [[x1, y1, x2, y2], ...]}; scripts/face-boxes.ts writes it from
      Ultra-Light-Fast-Generic-Face-Detector RFB-320 on onnxruntime).
  /usr/bin/python3 scripts/export/trained7-samples.py words OUT_DIR
      OUT_DIR/{calib,eval}/NNN_word.npy: [1, 64, 128] float32 MFCCs of espeak-ng saying one of the 30 Speech Commands
      words, as Rumeysakeskin/Speech-Command-Recognition feeds its MatchboxNet 3x1x64 (NeMo's AudioToMFCCPreprocessor:
      16 kHz, 25 ms hann windows every 10 ms, n_fft 512, 64 mels, 64 MFCCs (torchaudio's MFCC, DCT-II ortho, dB), then
      CropOrPad to 128 frames, zeros on both sides). Each word is placed at random in 1 s of white / pink noise at 10-30
      dB SNR, spoken at a random speed and pitch. Calibration voices en-gb-scotland / en-us+f4 / en-029+m2 (2 takes a
      word, 60 samples, order shuffled so that the guard's first samples are different words); evaluation voices
      en-gb-x-rp / en-us+m3 / en-gb-x-gbclan+f2 / en-us-nyc (120 samples). The file name carries the word
      (check-int8-zoo's `classes` kind reads it with LABELS set to the model's word list).
"""
import json
import os
import random
import subprocess
import sys
import tempfile
import wave

import numpy as np
from PIL import Image

WORDS = ['bed', 'bird', 'cat', 'dog', 'down', 'eight', 'five', 'four', 'go', 'happy', 'house', 'left', 'marvin', 'nine',
         'no', 'off', 'on', 'one', 'right', 'seven', 'sheila', 'six', 'stop', 'three', 'tree', 'two', 'up', 'wow', 'yes',
         'zero']
PHOTO = ('.png', '.jpg', '.jpeg')


def photos(src):
    return sorted(f for f in os.listdir(src) if f.lower().endswith(PHOTO))


def dark(src, out):
    os.makedirs(out, exist_ok=True)
    for f in photos(src):
        v = np.asarray(Image.open(os.path.join(src, f)).convert('RGB'), dtype=np.float64) / 255
        d = np.power(0.35 * v, 1 / 0.8)
        Image.fromarray(np.round(d * 255).astype(np.uint8)).save(os.path.join(out, os.path.splitext(f)[0] + '.png'))


def luma(src, out):
    os.makedirs(out, exist_ok=True)
    for f in photos(src):
        im = Image.open(os.path.join(src, f)).convert('RGB')
        s = min(im.size)
        x, y = (im.size[0] - s) // 2, (im.size[1] - s) // 2
        im = im.crop((x, y, x + s, y + s)).resize((224, 224), Image.BICUBIC)
        im.convert('YCbCr').split()[0].save(os.path.join(out, os.path.splitext(f)[0] + '.png'))


def faces(boxes_json, out):
    os.makedirs(out, exist_ok=True)
    boxes = json.load(open(boxes_json))
    for p, (photo, bs) in enumerate(sorted(boxes.items())):
        img = np.asarray(Image.open(photo).convert('RGB'))
        height, width = img.shape[:2]
        for k, (x1, y1, x2, y2) in enumerate(bs):
            x1, y1, x2, y2 = (int(v) for v in (x1, y1, x2, y2))
            w, h = x2 - x1 + 1, y2 - y1 + 1
            size = int(max(w, h) * 1.1)
            cx, cy = x1 + w // 2, y1 + h // 2
            x1, y1 = cx - size // 2, cy - size // 2
            canvas = np.zeros((size, size, 3), np.uint8)
            sx, sy = max(0, x1), max(0, y1)
            ex, ey = min(width, x1 + size), min(height, y1 + size)
            canvas[sy - y1:ey - y1, sx - x1:ex - x1] = img[sy:ey, sx:ex]
            face = Image.fromarray(canvas).resize((56, 56), Image.BILINEAR).resize((112, 112), Image.BILINEAR)
            face.save(os.path.join(out, f'{p}_{k}.png'))


def read_wav(path):
    with wave.open(path) as w:
        rate, n = w.getframerate(), w.getnframes()
        x = np.frombuffer(w.readframes(n), np.int16).astype(np.float32) / 32768
    return x, rate


def mfcc_of(signal):
    import torch
    import torchaudio
    m = torchaudio.transforms.MFCC(sample_rate=16000, n_mfcc=64, dct_type=2, norm='ortho', log_mels=False,
                                   melkwargs=dict(n_fft=512, win_length=400, hop_length=160, n_mels=64,
                                                  window_fn=torch.hann_window, mel_scale='htk', norm=None))
    f = m(torch.from_numpy(signal[None].astype(np.float32)))[0]  # [64, T]
    t = f.shape[1]
    left = (128 - t) // 2
    f = torch.nn.functional.pad(f, [left, 128 - t - left]) if t < 128 else f[:, (t - 128) // 2:(t - 128) // 2 + 128]
    return f.numpy()[None].astype(np.float32)


def say(word, voice, speed, pitch, rnd):
    import torch
    import torchaudio
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, 'w.wav')
        subprocess.run(['espeak-ng', '-v', voice, '-s', str(speed), '-p', str(pitch), '-w', p, word], check=True)
        x, rate = read_wav(p)
    x = torchaudio.functional.resample(torch.from_numpy(x), rate, 16000).numpy()
    nz = np.nonzero(np.abs(x) > 0.01)[0]
    x = x[nz[0]:nz[-1] + 1][:16000] if len(nz) else x[:16000]
    x = x / (np.sqrt(np.mean(x * x)) + 1e-9) * 0.1  # -20 dBFS
    out = np.zeros(16000, np.float32)
    at = rnd.randint(0, 16000 - len(x))
    out[at:at + len(x)] = x
    n = np.asarray([rnd.gauss(0, 1) for _ in range(16000)], np.float32)
    if rnd.random() < 0.5:  # pink-ish: white noise through a leaky integrator
        n = np.asarray(np.cumsum(n) * 0.05, np.float32)
        n -= np.convolve(n, np.ones(400) / 400, 'same')
    snr = rnd.uniform(10, 30)
    n *= np.sqrt(np.mean(x * x) / (np.mean(n * n) + 1e-12)) / (10 ** (snr / 20))
    return out + n


def words(out):
    sets = {'calib': (['en-gb-scotland', 'en-us+f4', 'en-029+m2'], 2, 1),
            'eval': (['en-gb-x-rp', 'en-us+m3', 'en-gb-x-gbclan+f2', 'en-us-nyc'], 1, 2)}
    for name, (voices, takes, seed) in sets.items():
        rnd = random.Random(seed)
        items = [(w, voices[(i + t) % len(voices)]) for i, w in enumerate(WORDS) for t in range(takes)]
        if name == 'eval':
            items = [(w, v) for w in WORDS for v in voices]
        rnd.shuffle(items)
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        for i, (w, v) in enumerate(items):
            sig = say(w, v, rnd.randint(120, 200), rnd.randint(30, 70), rnd)
            np.save(os.path.join(d, f'{i:03d}_{w}.npy'), mfcc_of(sig))


if __name__ == '__main__':
    cmd = sys.argv[1]
    {'dark': dark, 'luma': luma, 'faces': faces, 'words': words}[cmd](*sys.argv[2:])

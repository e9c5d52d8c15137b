"""Samples for the trained models of docs/model-sweep.md "int8 on trained models not tried before (s23-trained6)":
nothing downloaded; calibration and evaluation never share a sample (different fonts / transform draws, games, photos).

  /usr/bin/python3 scripts/export/trained6-samples.py digits OUT_DIR
      OUT_DIR/{calib,eval}/D_n.png: 28x28 grey digits, white on black as MNIST (the glyph fit into 20x20 and centred by
      its centre of mass), rendered from the machine's fonts with rotation, shear, stroke width and blur drawn at
      random; the file name starts with the label (check-int8-zoo's `classes` kind reads it, LABELS=0123456789).
      Calibration fonts and evaluation fonts are disjoint.
  /usr/bin/python3 scripts/export/trained6-samples.py boards OUT_DIR
      OUT_DIR/{calib,eval}/boards.npy: Reversi positions [N, 64] float32 as Kazuhito00/Unity-Barracuda-Reversi-WebGL-
      Sample feeds its policy (ReversiController.cs: the player to move 1, the other 2, empty 0; row-major), taken
      before each move of games between random and greedy players that has a legal move; calibration from games of
      seed 1, evaluation from games of seed 2.
  /usr/bin/python3 scripts/export/trained6-samples.py photos SRC_DIR OUT_DIR
      OUT_DIR/{calib,eval}: the photos of SRC_DIR (sorted by name) split as trained4 did: every third one to
      calibration, plus skimage's astronaut, chelsea, coffee and rocket there; skimage's motorcycle_left / right and
      hubble_deep_field to evaluation.
  /usr/bin/python3 scripts/export/trained6-samples.py crops BOXES.json OUT_DIR
      OUT_DIR/P_k_{a,b}.png: two 128x256 crops per person box of BOXES.json ({"photo": [[x1, y1, x2, y2], ...]} in the
      photo's px; scripts/person-boxes.ts writes it from NanoDet on onnxruntime), each box widened to 1:2 and moved /
      scaled by up to 8% at random (the two views of one person that a tracker's re-id compares).
  /usr/bin/python3 scripts/export/trained6-samples.py speech OUT_DIR
      OUT_DIR/{calib,eval}/N_clean.wav and N_noisy.wav, 16 kHz mono, 3 s: espeak-ng sentences (calibration voices
      en-gb-scotland / en-us+f4 / en-029+m2, evaluation voices en-gb-x-rp / en-us+m3 / en-gb-x-gbclan+f2 and other
      sentences) at -20 dBFS mixed with pink, white or low-passed brown noise at 0, 5 or 10 dB SNR (speech
      enhancement: GTCRN, scripts/check-int8-gtcrn.ts).
"""
import subprocess
import tempfile
import wave
import json
import os
import random
import shutil
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
import skimage

DATA = os.path.join(os.path.dirname(skimage.__file__), 'data')
FONT_DIRS = ['/usr/share/fonts']
CALIB_FONTS = ['DejaVuSans.ttf', 'DejaVuSerif-Bold.ttf', 'LiberationSans-Regular.ttf', 'LiberationMono-Bold.ttf',
               'NimbusRoman-Italic', 'URWGothic-Book']
EVAL_FONTS = ['DejaVuSansMono.ttf', 'DejaVuSerif.ttf', 'LiberationSerif-Italic.ttf', 'LiberationSans-Bold.ttf',
              'NimbusSans-Regular', 'NimbusMonoPS-Regular', 'URWBookman-Light', 'C059-Roman', 'P052-Italic',
              'Z003-MediumItalic', 'Lato-Regular.ttf', 'Lato-Heavy.ttf']


def font_file(name):
    for root in FONT_DIRS:
        for d, _, files in os.walk(root):
            for f in sorted(files):
                if f == name or (f.startswith(name) and f.endswith(('.otf', '.ttf', '.t1', '.pfb'))):
                    return os.path.join(d, f)
    raise SystemExit(f'font {name} not found')


def digit(ch, font, rnd):
    img = Image.new('L', (96, 96), 0)
    draw = ImageDraw.Draw(img)
    f = ImageFont.truetype(font, 64)
    w = rnd.choice([0, 0, 1, 2])
    draw.text((48, 48), ch, fill=255, font=f, anchor='mm', stroke_width=w, stroke_fill=255)
    img = img.rotate(rnd.uniform(-15, 15), resample=Image.BILINEAR)
    sh = rnd.uniform(-0.25, 0.25)
    img = img.transform(img.size, Image.AFFINE, (1, sh, -sh * 48, 0, 1, 0), resample=Image.BILINEAR)
    a = np.asarray(img)
    ys, xs = np.nonzero(a > 30)
    crop = img.crop((xs.min(), ys.min(), xs.max() + 1, ys.max() + 1))
    s = 20 / max(crop.size)
    crop = crop.resize((max(1, round(crop.size[0] * s)), max(1, round(crop.size[1] * s))), Image.LANCZOS)
    if rnd.random() < 0.5:
        crop = crop.filter(ImageFilter.GaussianBlur(rnd.uniform(0.3, 0.7)))
    c = np.asarray(crop).astype(np.float64)
    cy, cx = centre(c)
    out = Image.new('L', (28, 28), 0)
    out.paste(crop, (int(round(14 - cx)), int(round(14 - cy))))
    return out


def centre(c):
    ys, xs = np.mgrid[0:c.shape[0], 0:c.shape[1]]
    return (ys * c).sum() / c.sum(), (xs * c).sum() / c.sum()


def digits(out):
    for part, fonts, n, seed in (('calib', CALIB_FONTS, 60, 1), ('eval', EVAL_FONTS, 240, 2)):
        rnd = random.Random(seed)
        d = os.path.join(out, part)
        os.makedirs(d, exist_ok=True)
        files = [font_file(f) for f in fonts]
        for i in range(n):
            ch = str(i % 10)
            digit(ch, files[(i // 10) % len(files)], rnd).save(os.path.join(d, f'{ch}_{i:03d}.png'))


DIRS = [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)]


def flips(b, p, q, x, y):
    if b[y][x]:
        return []
    out = []
    for dx, dy in DIRS:
        run, cx, cy = [], x + dx, y + dy
        while 0 <= cx < 8 and 0 <= cy < 8 and b[cy][cx] == q:
            run.append((cx, cy)); cx += dx; cy += dy
        if run and 0 <= cx < 8 and 0 <= cy < 8 and b[cy][cx] == p:
            out += run
    return out


def boards(out):
    for part, n, seed in (('calib', 64, 1), ('eval', 480, 2)):
        rnd = random.Random(seed)
        rows = []
        while len(rows) < n:
            b = [[0] * 8 for _ in range(8)]
            b[3][3] = b[4][4] = 2
            b[3][4] = b[4][3] = 1
            p, passes, greedy = 1, 0, rnd.random() < 0.5
            while passes < 2:
                q = 3 - p
                moves = [(x, y, flips(b, p, q, x, y)) for y in range(8) for x in range(8)]
                moves = [m for m in moves if m[2]]
                if not moves:
                    passes += 1; p = q; continue
                passes = 0
                rows.append([0 if v == 0 else (1 if v == p else 2) for r in b for v in r])
                x, y, fl = max(moves, key=lambda m: len(m[2]) + rnd.random()) if greedy and p == 1 else rnd.choice(moves)
                b[y][x] = p
                for fx, fy in fl:
                    b[fy][fx] = p
                p = q
        rows = rnd.sample(rows, n)
        d = os.path.join(out, part)
        os.makedirs(d, exist_ok=True)
        np.save(os.path.join(d, 'boards.npy'), np.array(rows, dtype=np.float32))


def photos(src, out):
    names = sorted(f for f in os.listdir(src) if f.lower().endswith(('.jpg', '.jpeg', '.png')))
    for part in ('calib', 'eval'):
        os.makedirs(os.path.join(out, part), exist_ok=True)
    for i, f in enumerate(names):
        shutil.copy(os.path.join(src, f), os.path.join(out, 'calib' if i % 3 == 0 else 'eval', f))
    for f in ('astronaut.png', 'chelsea.png', 'coffee.png', 'rocket.jpg'):
        shutil.copy(os.path.join(DATA, f), os.path.join(out, 'calib', 'sk_' + f))
    for f in ('motorcycle_left.png', 'motorcycle_right.png', 'hubble_deep_field.jpg'):
        shutil.copy(os.path.join(DATA, f), os.path.join(out, 'eval', 'sk_' + f))


def crops(boxes_json, out):
    os.makedirs(out, exist_ok=True)
    rnd = random.Random(3)
    k = 0
    for photo, boxes in sorted(json.load(open(boxes_json)).items()):
        img = Image.open(photo).convert('RGB')
        for x1, y1, x2, y2 in boxes:
            cx, cy, h = (x1 + x2) / 2, (y1 + y2) / 2, max(y2 - y1, 2 * (x2 - x1))
            for view in 'ab':
                s = h * rnd.uniform(0.92, 1.08)
                jx, jy = cx + rnd.uniform(-0.08, 0.08) * s / 2, cy + rnd.uniform(-0.08, 0.08) * s
                box = (jx - s / 4, jy - s / 2, jx + s / 4, jy + s / 2)
                img.crop(tuple(int(round(v)) for v in box)).resize((128, 256), Image.BILINEAR).save(
                    os.path.join(out, f'P_{k:03d}_{view}.png'))
            k += 1


SENTENCES = ['the quick brown fox jumps over the lazy dog', 'please turn off the lights in the kitchen',
             'the meeting starts at nine tomorrow morning', 'she sells sea shells by the sea shore',
             'open the window and let some fresh air in', 'my phone number is five five five one two three four',
             'it will rain in the afternoon and clear up tonight', 'the train to london leaves from platform two',
             'add milk eggs and bread to the shopping list', 'how far is the nearest petrol station from here',
             'the children played football in the park until dark', 'remind me to call my sister at six']


def noise(kind, n, rnd):
    w = rnd.standard_normal(n + 4096)
    if kind == 'white':
        x = w
    else:
        f = np.fft.rfft(w)
        k = np.arange(len(f)) + 1.0
        f = f / (np.sqrt(k) if kind == 'pink' else k)
        x = np.fft.irfft(f, len(w))
    x = x[4096:]
    return x / np.sqrt(np.mean(x ** 2))


def speech(out):
    for part, voices, idx, seed in (('calib', ['en-gb-scotland', 'en-us+f4', 'en-029+m2'], range(0, 6), 1),
                                    ('eval', ['en-gb-x-rp', 'en-us+m3', 'en-gb-x-gbclan+f2'], range(6, 12), 2)):
        rnd = np.random.default_rng(seed)
        d = os.path.join(out, part)
        os.makedirs(d, exist_ok=True)
        k = 0
        for i in idx:
            for v in voices:
                with tempfile.NamedTemporaryFile(suffix='.wav') as t:
                    subprocess.run(['espeak-ng', '-v', v, '-w', t.name, SENTENCES[i]], check=True)
                    subprocess.run(['sox', t.name, '-r', '16000', '-c', '1', '-b', '16', t.name + '.16k.wav'], check=True)
                    with wave.open(t.name + '.16k.wav') as w:
                        x = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16) / 32768.0
                    os.remove(t.name + '.16k.wav')
                clean = np.zeros(48000)
                start = int(rnd.integers(1600, 8000))
                x = x[:48000 - start]
                clean[start:start + len(x)] = x
                clean *= 0.1 / np.sqrt(np.mean(x ** 2))
                kind = ['pink', 'white', 'brown'][k % 3]
                snr = [0, 5, 10][(k // 3) % 3]
                nz = noise(kind, 48000, rnd) * 0.1 * 10 ** (-snr / 20)
                for name, sig in (('clean', clean), ('noisy', clean + nz)):
                    with wave.open(os.path.join(d, f'{k:02d}_{name}.wav'), 'wb') as w:
                        w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
                        w.writeframes((np.clip(sig, -1, 1) * 32767).astype(np.int16).tobytes())
                k += 1


if __name__ == '__main__':
    cmd = sys.argv[1]
    if cmd == 'digits':
        digits(sys.argv[2])
    elif cmd == 'boards':
        boards(sys.argv[2])
    elif cmd == 'photos':
        photos(sys.argv[2], sys.argv[3])
    elif cmd == 'speech':
        speech(sys.argv[2])
    elif cmd == 'crops':
        crops(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(__doc__)

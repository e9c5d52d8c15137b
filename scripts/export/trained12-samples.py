"""Samples for the trained models of docs/model-sweep.md "int8 on trained models not tried before (s29-trained12)":
nothing downloaded; calibration and evaluation never share a sample (other seeds, other photos, other recordings).

  /usr/bin/python3 scripts/export/trained12-samples.py churn SCALER.pkl OUT_DIR
      OUT_DIR/{calib,eval}/NNN.npy: [1, 12] float32 bank-customer rows (CreditScore, Gender, Age, Tenure, Balance,
      NumOfProducts, HasCrCard, IsActiveMember, EstimatedSalary, Geography one-hot France / Germany / Spain) drawn
      from the Churn_Modelling data set's marginals, standardized by the repository's own scaler.pkl (its mean_ and
      scale_ read without scikit-learn): 64 calibration (seed 1), 400 evaluation (seed 2).
  /usr/bin/python3 scripts/export/trained12-samples.py photos PHOTOS_DIR SIZE OUT_DIR
      OUT_DIR/{calib,eval}/NNN.png: SIZE x SIZE crops of the photos (every other photo calibration, the rest
      evaluation; 2 crops a photo, random scale), for the super-resolution net.
  /usr/bin/python3 scripts/export/trained12-samples.py pressure OUT_DIR
      OUT_DIR/{calib,eval}/NNN.npy: [1, 1, 224, 224] fingertip pressure maps as sasekazu/sed-gen-web's interactive
      mode makes them: Gaussians of amplitude 0.3, sigma 8 px summed along 1-4 random drags inside an ellipse (the
      fingertip), clipped to [0, 1]: 24 calibration (seed 1), 80 evaluation (seed 2).
  /usr/bin/python3 scripts/export/trained12-samples.py notes OUT_DIR
      OUT_DIR/{calib,eval}/NNN_NOTES.npy: [1, 96] rough CQTs as Cyberblasta/ThePitchDetect's analyzer makes them
      (RoughCQT: 96 Hann-windowed complex exponentials from C4 at 36 bins an octave over a 4096-sample frame at
      44.1 kHz, |filters @ frame| / 96, then divided by its maximum) of one or two notes of the 8 it tracks (D4 F4
      G4 A4 Bb4 C5 D5 F5) played by sox (pluck for calibration; pluck, guitar-like square / triangle tones for
      evaluation, other seeds), in noise: 40 calibration, 200 evaluation.
  /usr/bin/python3 scripts/export/trained12-samples.py signs DATASET_DIR LABELS.npy OUT_DIR
      OUT_DIR/{calib,eval}/NNN_k.npy: [1, 30, 43] sequences of latifhasan123/hand_tracking's recorded hand features
      (the repository's dataset/<sign>/<n>.npy), k the class index in model/labels.npy: recordings 0-1 of each sign
      for calibration, 150-154 for evaluation (recordings the repository's training split may have seen).
"""
import math
import os
import pickle
import random
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

NOTES = {'D4': 293.66, 'F4': 349.23, 'G4': 392.0, 'A4': 440.0, 'Bb4': 466.16, 'C5': 523.25, 'D5': 587.33, 'F5': 698.46}


def scaler_stats(path):
    class Stub:
        def __setstate__(self, st):
            self.__dict__.update(st)

    class Reader(pickle.Unpickler):
        def find_class(self, mod, name):
            if mod.startswith('sklearn'):
                return Stub
            return super().find_class(mod.replace('numpy._core', 'numpy.core'), name)

    s = Reader(open(path, 'rb')).load()
    return np.asarray(s.mean_, np.float64), np.asarray(s.scale_, np.float64)


def churn(scaler, out):
    mean, scale = scaler_stats(scaler)
    for part, n, seed in (('calib', 64, 1), ('eval', 400, 2)):
        rnd = np.random.default_rng(seed)
        os.makedirs(os.path.join(out, part), exist_ok=True)
        for i in range(n):
            geo = rnd.choice(3, p=[0.5, 0.25, 0.25])
            bal = 0.0 if rnd.random() < 0.36 else float(np.clip(rnd.normal(119800, 30000), 3000, 250000))
            row = [np.clip(rnd.normal(650, 97), 350, 850), float(rnd.random() < 0.55),
                   np.clip(18 + rnd.lognormal(3.0, 0.45), 18, 92), float(rnd.integers(0, 11)), bal,
                   float(rnd.choice([1, 2, 3, 4], p=[0.5, 0.46, 0.03, 0.01])), float(rnd.random() < 0.7),
                   float(rnd.random() < 0.51), rnd.uniform(100, 200000)] + [float(geo == k) for k in range(3)]
            x = ((np.array(row) - mean) / scale).astype(np.float32).reshape(1, 12)
            np.save(os.path.join(out, part, f'{i:03d}.npy'), x)


def photos(src, size, out):
    files = sorted(f for f in os.listdir(src) if f.lower().endswith(('.jpg', '.jpeg', '.png')))
    rnd = random.Random(3)
    for j, f in enumerate(files):
        part = 'calib' if j % 2 == 0 else 'eval'
        os.makedirs(os.path.join(out, part), exist_ok=True)
        im = Image.open(os.path.join(src, f)).convert('RGB')
        for k in range(2):
            s = int(min(im.size) * rnd.uniform(0.35, 0.9))
            x, y = rnd.randint(0, im.size[0] - s), rnd.randint(0, im.size[1] - s)
            im.crop((x, y, x + s, y + s)).resize((size, size), Image.LANCZOS).save(os.path.join(out, part, f'{j:03d}_{k}.png'))


def pressure(out):
    yy, xx = np.mgrid[0:224, 0:224].astype(np.float32)
    for part, n, seed in (('calib', 24, 1), ('eval', 80, 2)):
        rnd = np.random.default_rng(seed)
        os.makedirs(os.path.join(out, part), exist_ok=True)
        for i in range(n):
            cx, cy, ax, ay = rnd.uniform(95, 130), rnd.uniform(95, 130), rnd.uniform(60, 90), rnd.uniform(75, 105)
            inside = ((xx - cx) / ax) ** 2 + ((yy - cy) / ay) ** 2 <= 1
            m = np.zeros((224, 224), np.float32)
            for _ in range(rnd.integers(1, 5)):
                p, q = rnd.uniform(-0.8, 0.8, 2), rnd.uniform(-0.8, 0.8, 2)
                for t in np.linspace(0, 1, int(rnd.integers(3, 25))):
                    px, py = cx + ax * (p[0] + t * (q[0] - p[0])), cy + ay * (p[1] + t * (q[1] - p[1]))
                    m += 0.3 * np.exp(-((xx - px) ** 2 + (yy - py) ** 2) / (2 * 8.0 ** 2))
            m = np.clip(m, 0, 1) * inside
            np.save(os.path.join(out, part, f'{i:03d}.npy'), m.reshape(1, 1, 224, 224).astype(np.float32))


def rough_cqt(frame, sr=44100):
    freqs = 261.63 * 2 ** (np.arange(96) / 36)  # C4 (get_scale's 'C4'), 36 bins an octave
    n = len(frame)
    base = np.linspace(0, 2 * math.pi * n / sr, n) * 1j
    filt = np.exp(base[None, :] * freqs[:, None]) * np.hanning(n)[None, :]
    # RoughCQT splits the filters at 300 / 1000 Hz with filter ratios [1, 1, 1]: every part sees the whole frame;
    # a filter exactly at a split frequency belongs to no part (strict inequalities).
    keep = (freqs < 300) | ((freqs > 300) & (freqs < 1000)) | (freqs > 1000)
    c = (np.abs(filt[keep] @ frame) / 96).astype(np.float32)
    return c / c.max()


def sox_tone(kind, f, dur, path):
    subprocess.run(['sox', '-q', '-n', '-r', '44100', '-b', '16', path, 'synth', str(dur), kind, str(f), 'fade', 'q', '0.005', str(dur), '0.05'],
                   check=True)
    raw = np.frombuffer(open(path, 'rb').read()[44:], np.int16).astype(np.float64) / 32768
    return raw


def notes(out):
    names = list(NOTES)
    tmp = tempfile.mkdtemp()
    for part, n, seed, kinds in (('calib', 40, 1, ['pluck']), ('eval', 200, 2, ['pluck', 'square', 'triangle'])):
        rnd = np.random.default_rng(seed)
        os.makedirs(os.path.join(out, part), exist_ok=True)
        for i in range(n):
            chosen = sorted(rnd.choice(8, size=int(rnd.choice([1, 1, 1, 2])), replace=False))
            sig = np.zeros(22050)
            for k in chosen:
                kind = kinds[int(rnd.integers(0, len(kinds)))]
                t = sox_tone(kind, NOTES[names[k]] * 2 ** (rnd.uniform(-15, 15) / 1200), 0.5, os.path.join(tmp, 'x.wav'))[:22050]
                sig[:len(t)] += rnd.uniform(0.3, 0.9) * t
            sig += rnd.uniform(0.002, 0.03) * rnd.standard_normal(len(sig))
            at = int(rnd.integers(400, 22050 - 4096 - 8000))
            x = rough_cqt(sig[at:at + 4096]).reshape(1, 96)
            np.save(os.path.join(out, part, f'{i:03d}_{"+".join(names[k] for k in chosen)}.npy'), x)


def signs(dataset, labels, out):
    names = [str(s) for s in np.load(labels, allow_pickle=True)]
    for part, idx in (('calib', range(0, 2)), ('eval', range(150, 155))):
        os.makedirs(os.path.join(out, part), exist_ok=True)
        j = 0
        for k, name in enumerate(names):
            for i in idx:
                p = os.path.join(dataset, name, f'{i}.npy')
                if not os.path.exists(p):
                    continue
                np.save(os.path.join(out, part, f'{j:04d}_{k}.npy'), np.load(p).astype(np.float32).reshape(1, 30, 43))
                j += 1


if __name__ == '__main__':
    cmd, args = sys.argv[1], sys.argv[2:]
    {'churn': churn, 'photos': lambda s, z, o: photos(s, int(z), o), 'pressure': pressure, 'notes': notes, 'signs': signs}[cmd](*args)

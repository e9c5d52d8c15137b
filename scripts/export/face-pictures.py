"""Face pictures for the trained face models of faceplugin-face-recognition-js (docs/model-sweep.md "Trained models
from npm packages"): real faces only from Debian's python3-skimage data (the 100 LFW faces of lfw_subset.npy, 25x25
grey; astronaut.png, Eileen Collins), nothing downloaded. Calibration and evaluation never share an LFW face or a
transform draw.

  /usr/bin/python3 scripts/export/face-pictures.py OUT_DIR

writes OUT_DIR/{face,eye,scene}_{calib,eval}/*.png: face crops (128x128 RGB), eye crops (24x24 grey) and 320x240
scenes with 1-3 faces pasted on the skimage textures (the face detector's input).
"""
import os
import sys

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter
import skimage

DATA = os.path.join(os.path.dirname(skimage.__file__), 'data')
ASTRO = Image.open(os.path.join(DATA, 'astronaut.png')).convert('RGB')
ASTRO_FACE = (165, 55, 285, 180)  # the astronaut's face (forehead to chin), in astronaut.png px
ASTRO_EYES = [(200, 103), (251, 101)]
LFW = np.load(os.path.join(DATA, 'lfw_subset.npy'))[:100]  # the first 100 are faces
BACKS = ['brick.png', 'grass.png', 'gravel.png', 'coffee.png', 'chelsea.png', 'rocket.jpg', 'motorcycle_left.png',
         'hubble_deep_field.jpg', 'page.png', 'coins.png', 'retina.jpg', 'horse.png']


def lfw(i):
    return Image.fromarray((LFW[i] * 255).astype(np.uint8)).convert('RGB')


def jitter(im, rng, size):
    """A random similarity transform, brightness / contrast and a slight tint, resized to size."""
    w, h = im.size
    ang = rng.uniform(-12, 12)
    s = rng.uniform(0.9, 1.1)
    dx, dy = rng.uniform(-0.05, 0.05) * w, rng.uniform(-0.05, 0.05) * h
    im = im.rotate(ang, resample=Image.BILINEAR, center=(w / 2 + dx, h / 2 + dy))
    cw, ch = w / s, h / s
    im = im.crop((int((w - cw) / 2), int((h - ch) / 2), int((w + cw) / 2), int((h + ch) / 2)))
    if rng.random() < 0.5:
        im = im.transpose(Image.FLIP_LEFT_RIGHT)
    im = ImageEnhance.Brightness(im).enhance(rng.uniform(0.75, 1.25))
    im = ImageEnhance.Contrast(im).enhance(rng.uniform(0.8, 1.2))
    a = np.asarray(im).astype(np.float32) * rng.uniform(0.9, 1.1, 3)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).resize(size, Image.BICUBIC)


def astro_face(rng, margin):
    x0, y0, x1, y1 = ASTRO_FACE
    m = margin * (x1 - x0)
    return ASTRO.crop((int(x0 - m), int(y0 - m), int(x1 + m), int(y1 + m)))


def scene(rng, faces):
    back = Image.open(os.path.join(DATA, BACKS[rng.integers(len(BACKS))])).convert('RGB')
    bw, bh = back.size
    s = rng.uniform(0.5, 1.0)
    cw, ch = int(min(bw, bh * 4 / 3) * s), int(min(bw, bh * 4 / 3) * s * 3 / 4)
    x, y = rng.integers(0, bw - cw + 1), rng.integers(0, bh - ch + 1)
    out = back.crop((x, y, x + cw, y + ch)).resize((320, 240), Image.BILINEAR)
    placed = []
    for f in faces:
        for _ in range(50):
            size = int(rng.uniform(40, 110))
            px, py = int(rng.integers(0, 320 - size)), int(rng.integers(0, 240 - size))
            if all(px + size < a or a + b < px or py + size < c or c + b < py for a, c, b in placed):
                break
        placed.append((px, py, size))
        face = jitter(f, rng, (size, size))
        mask = Image.new('L', (size, size), 0)
        from PIL import ImageDraw
        ImageDraw.Draw(mask).ellipse((1, 1, size - 2, size - 2), fill=255)
        out.paste(face, (px, py), mask.filter(ImageFilter.GaussianBlur(size / 16)))
    return out


def main(out):
    for split, lfw_ids, seed in (('calib', range(0, 40), 1), ('eval', range(40, 100), 2)):
        rng = np.random.default_rng(seed)
        d = {k: os.path.join(out, f'{k}_{split}') for k in ('face', 'eye', 'scene')}
        for p in d.values():
            os.makedirs(p, exist_ok=True)
        for i in lfw_ids:
            jitter(lfw(i), rng, (128, 128)).save(os.path.join(d['face'], f'lfw{i:02d}.png'))
            # LFW's eyes sit near (8, 10) and (16, 10) of 25 px
            for k, (ex, ey) in enumerate(((8, 10), (16.5, 10))):
                lfw(i).crop((ex - 4, ey - 4, ex + 4, ey + 4)).convert('L').resize((24, 24), Image.BICUBIC).save(
                    os.path.join(d['eye'], f'lfw{i:02d}_{k}.png'))
        for j in range(8):
            jitter(astro_face(rng, rng.uniform(0.05, 0.25)), rng, (128, 128)).save(os.path.join(d['face'], f'astro{j}.png'))
            for k, (ex, ey) in enumerate(ASTRO_EYES):
                r = rng.uniform(12, 20)
                cx, cy = ex + rng.uniform(-3, 3), ey + rng.uniform(-3, 3)
                jitter(ASTRO.crop((int(cx - r), int(cy - r), int(cx + r), int(cy + r))), rng, (24, 24)).convert('L').save(
                    os.path.join(d['eye'], f'astro{j}_{k}.png'))
        ids = list(lfw_ids)
        for j in range(24):
            n = 1 + j % 3
            faces = [lfw(ids[int(rng.integers(len(ids)))]) for _ in range(n)]
            if j % 4 == 0:
                faces[0] = astro_face(rng, 0.1)
            scene(rng, faces).save(os.path.join(d['scene'], f'scene{j:02d}.png'))
        ASTRO.resize((320, 240) if split == 'eval' else (240, 240)).save(os.path.join(d['scene'], 'astronaut.png'))


if __name__ == '__main__':
    main(sys.argv[1])

#!/usr/bin/python3
"""Pictures with straight line segments for M-LSD (jp.keijiro.mlsd), calibration and evaluation sets apart.

Each picture is a SIZE x SIZE RGBA PNG (alpha 255, M-LSD's [1, H, W, 4] input): a skimage texture (brick, grass,
gravel, wall-like noise) tinted and blurred as a background, then a scene drawn over it in perspective: a box
(room corner or building with windows), a few free segments, a door or a table. Line widths 1-4 px, colours light
or dark against the background, a final blur of 0-1.2 px. Calibration pictures use seeds 1000+, evaluation 5000+:
no seed (so no scene or transform draw) is shared.

usage: /usr/bin/python3 scripts/export/line-pictures.py OUT_DIR [SIZE] [N_CALIB] [N_EVAL]
writes OUT_DIR/calib/line_NN.png and OUT_DIR/eval/line_NN.png
"""
import os
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter
from skimage import data


def texture(rng, size):
    pick = rng.integers(0, 4)
    if pick == 0:
        t = data.brick()
    elif pick == 1:
        t = data.grass()
    elif pick == 2:
        t = data.gravel()
    else:
        t = (rng.normal(128, 30, (size // 8, size // 8))).clip(0, 255).astype(np.uint8)
    img = Image.fromarray(t).convert('L').resize((size, size))
    tint = rng.uniform(0.5, 1.2, 3)
    a = np.asarray(img, np.float32)[..., None] * tint[None, None, :] * rng.uniform(0.4, 1.0) + rng.uniform(0, 80)
    return Image.fromarray(a.clip(0, 255).astype(np.uint8), 'RGB').filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 2.5)))


def project(p, f, c, size):
    x, y, z = p
    return (size / 2 + f * x / z + c[0], size / 2 - f * y / z + c[1])


def scene(rng, size):
    img = texture(rng, size)
    d = ImageDraw.Draw(img)
    dark = rng.random() < 0.5
    col = lambda: tuple(int(v) for v in (rng.integers(0, 60, 3) if dark else rng.integers(190, 256, 3)))
    f = rng.uniform(0.8, 1.4) * size
    c = rng.uniform(-0.1, 0.1, 2) * size
    yaw = rng.uniform(-0.7, 0.7)
    R = np.array([[np.cos(yaw), 0, np.sin(yaw)], [0, 1, 0], [-np.sin(yaw), 0, np.cos(yaw)]])
    # a box (building or room): width, height, depth, at distance
    w, h, dp = rng.uniform(1, 3), rng.uniform(1, 3), rng.uniform(1, 3)
    z0 = rng.uniform(4, 8)
    corners = np.array([[sx * w / 2, sy * h / 2, sz * dp / 2] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)])
    pts = [project(R @ q + np.array([0, rng.uniform(-0.5, 0.5), z0]), f, c, size) for q in corners]
    edges = [(0, 1), (2, 3), (4, 5), (6, 7), (0, 2), (1, 3), (4, 6), (5, 7), (0, 4), (1, 5), (2, 6), (3, 7)]
    width = int(rng.integers(1, 5))
    for a, b in edges:
        if rng.random() < 0.85:
            d.line([pts[a], pts[b]], fill=col(), width=width)
    # windows on the front face (x-y plane at z = -dp / 2)
    for _ in range(int(rng.integers(0, 5))):
        u, v = rng.uniform(-0.4, 0.3) * w, rng.uniform(-0.4, 0.3) * h
        ww, hh = rng.uniform(0.1, 0.25) * w, rng.uniform(0.1, 0.25) * h
        quad = [(u, v), (u + ww, v), (u + ww, v + hh), (u, v + hh)]
        q = [project(R @ np.array([x, y, -dp / 2]) + np.array([0, 0, z0]), f, c, size) for x, y in quad]
        d.line(q + [q[0]], fill=col(), width=max(1, width - 1))
    # free segments (poles, horizon, table edges)
    for _ in range(int(rng.integers(1, 6))):
        p0 = rng.uniform(0.05, 0.95, 2) * size
        ang = rng.uniform(0, np.pi)
        ln = rng.uniform(0.15, 0.6) * size
        p1 = p0 + ln * np.array([np.cos(ang), np.sin(ang)])
        d.line([tuple(p0), tuple(p1)], fill=col(), width=int(rng.integers(1, 5)))
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0, 1.2)))
    rgba = img.convert('RGBA')
    return rgba


def main():
    out = sys.argv[1]
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 320
    n_cal = int(sys.argv[3]) if len(sys.argv) > 3 else 16
    n_ev = int(sys.argv[4]) if len(sys.argv) > 4 else 24
    for sub, base, n in (('calib', 1000, n_cal), ('eval', 5000, n_ev)):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
        for i in range(n):
            scene(np.random.default_rng(base + i), size).save(os.path.join(out, sub, 'line_%02d.png' % i))
    print('wrote', n_cal, 'calibration and', n_ev, 'evaluation pictures of', size, 'px to', out)


if __name__ == '__main__':
    main()

"""Samples for the trained models of docs/model-sweep.md "int8 on trained models not tried before (s27-trained10)":
nothing downloaded here; calibration and evaluation never share a sample (other photos, other plates, other seeds).

  /usr/bin/python3 scripts/export/trained10-samples.py letterbox PHOTOS_DIR OUT_DIR SIZE
      Every picture of PHOTOS_DIR/calib and PHOTOS_DIR/eval scaled to fit SIZE x SIZE keeping its aspect and padded
      with black, centred, as hpc203/scrfd-opencv's resize_image does (PNG): the face detector's input.
  /usr/bin/python3 scripts/export/trained10-samples.py plates CJK_FONT LATIN_FONT PHOTOS_DIR OUT_DIR
      (`crops CJK_FONT LATIN_FONT OUT_DIR`: the crops alone)
      Chinese blue licence plates (a province character, a letter, five letters / digits; white on blue, white rim),
      rendered at 440 x 140 and degraded (perspective, blur, light, noise):
      OUT_DIR/crops/{calib,eval}: 94 x 24 crops as the plate pipeline's perspective warp gives them to LPRNet, named
      `<plate>_<n>.png` (calib 64, seed 1; eval 300, seed 2);
      OUT_DIR/scenes/{calib,eval}: the photos of PHOTOS_DIR (letterboxed to 640 as above) with 1-3 plates 60-220 px
      wide pasted under a random perspective (calib: each calibration photo once, seed 3; eval: each evaluation photo
      twice, seed 4), and OUT_DIR/scenes/{calib,eval}.json with each scene's plate corners.
"""
import json
import os
import random
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

PROVINCES = '京沪津渝冀晋蒙辽吉黑苏浙皖闽赣鲁豫鄂湘粤桂琼川贵云藏陕甘青宁新'
LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ'
ALNUM = '0123456789' + LETTERS


def letterbox(im, size):
    w, h = im.size
    s = size / max(w, h)
    nw, nh = max(1, int(round(w * s))), max(1, int(round(h * s)))
    out = Image.new('RGB', (size, size))
    out.paste(im.resize((nw, nh), Image.BOX), ((size - nw) // 2, (size - nh) // 2))
    return out


def letterbox_dir(src, out, size):
    for part in ('calib', 'eval'):
        os.makedirs(os.path.join(out, part), exist_ok=True)
        for name in sorted(os.listdir(os.path.join(src, part))):
            im = Image.open(os.path.join(src, part, name)).convert('RGB')
            letterbox(im, size).save(os.path.join(out, part, os.path.splitext(name)[0] + '.png'))


def glyph(ch, font, w, h):
    """One character, white on black, cropped to its ink and stretched to w x h (plate fonts are narrow)."""
    im = Image.new('L', (200, 200))
    ImageDraw.Draw(im).text((20, 10), ch, fill=255, font=font)
    box = im.getbbox()
    return im.crop(box).resize((w, h), Image.BILINEAR)


def plate(rnd, cjk, latin):
    text = rnd.choice(PROVINCES) + rnd.choice(LETTERS) + ''.join(rnd.choice(ALNUM) for _ in range(5))
    blue = tuple(int(np.clip(c + rnd.uniform(-25, 25), 0, 255)) for c in (20, 70, 190))
    im = Image.new('RGB', (440, 140), blue)
    d = ImageDraw.Draw(im)
    d.rounded_rectangle((5, 5, 434, 134), radius=10, outline=(240, 240, 240), width=4)
    x = 16
    for i, ch in enumerate(text):
        g = glyph(ch, cjk if i == 0 else latin, 45, 90)
        im.paste((245, 245, 245), (x, 25), g)
        x += 57
        if i == 1:
            d.ellipse((x - 2, 66, x + 8, 76), fill=(245, 245, 245))
            x += 22
    return text, im


def perspective_coeffs(dst, src):
    """PIL's PERSPECTIVE coefficients mapping output points dst to input points src."""
    a = []
    for (x, y), (u, v) in zip(dst, src):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    return np.linalg.solve(np.array(a, float), np.array(src, float).reshape(8)).tolist()


def degrade(rnd, im, blur=1.6):
    if rnd.random() < 0.7:
        im = im.filter(ImageFilter.GaussianBlur(rnd.uniform(0.2, blur)))
    a = np.asarray(im, np.float32) * rnd.uniform(0.55, 1.15) + rnd.uniform(-30, 30)
    a += np.random.RandomState(rnd.randrange(1 << 30)).normal(0, rnd.uniform(1, 8), a.shape)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def crop(rnd, cjk, latin):
    text, im = plate(rnd, cjk, latin)
    j = 8  # corners found by the detector are a few px off: the warp takes a slightly wrong quadrilateral
    src = [(rnd.uniform(-j, j), rnd.uniform(-j, j)), (440 + rnd.uniform(-j, j), rnd.uniform(-j, j)),
           (440 + rnd.uniform(-j, j), 140 + rnd.uniform(-j, j)), (rnd.uniform(-j, j), 140 + rnd.uniform(-j, j))]
    big = Image.new('RGB', (520, 220), tuple(rnd.randint(30, 200) for _ in range(3)))
    big.paste(im, (40, 40))
    src = [(x + 40, y + 40) for x, y in src]
    out = big.transform((376, 96), Image.PERSPECTIVE, perspective_coeffs([(0, 0), (376, 0), (376, 96), (0, 96)], src),
                        Image.BILINEAR).resize((94, 24), Image.BOX)  # warped at 4x, then area-averaged as INTER_AREA
    return text, degrade(rnd, out, 0.9)


def crops(cjk, latin, out):
    for part, n, seed in (('calib', 64, 1), ('eval', 300, 2)):
        rnd = random.Random(seed)
        os.makedirs(os.path.join(out, 'crops', part), exist_ok=True)
        for i in range(n):
            text, im = crop(rnd, cjk, latin)
            im.save(os.path.join(out, 'crops', part, f'{text}_{i:03d}.png'))


def scenes(cjk, latin, photos, out):
    for part, times, seed in (('calib', 1, 3), ('eval', 2, 4)):
        rnd = random.Random(seed)
        os.makedirs(os.path.join(out, 'scenes', part), exist_ok=True)
        truth = {}
        for t in range(times):
            for name in sorted(os.listdir(os.path.join(photos, part))):
                scene = letterbox(Image.open(os.path.join(photos, part, name)).convert('RGB'), 640)
                quads = []
                for _ in range(rnd.randint(1, 3)):
                    text, im = plate(rnd, cjk, latin)
                    w = rnd.uniform(60, 220)
                    h = w * 140 / 440 * rnd.uniform(0.85, 1.2)
                    x0, y0 = rnd.uniform(10, 630 - w * 1.2), rnd.uniform(10, 630 - h * 1.6)
                    k = 0.12 * w
                    q = [(x0 + rnd.uniform(-k, k), y0 + rnd.uniform(-k, k) / 2), (x0 + w + rnd.uniform(-k, k), y0 + rnd.uniform(-k, k) / 2),
                         (x0 + w + rnd.uniform(-k, k), y0 + h + rnd.uniform(-k, k) / 2), (x0 + rnd.uniform(-k, k), y0 + h + rnd.uniform(-k, k) / 2)]
                    if any(max(a[0] for a in q) > min(b[0] for b in p) and min(a[0] for a in q) < max(b[0] for b in p)
                           and max(a[1] for a in q) > min(b[1] for b in p) and min(a[1] for a in q) < max(b[1] for b in p) for p in quads):
                        continue
                    warped = im.transform((640, 640), Image.PERSPECTIVE,
                                          perspective_coeffs(q, [(0, 0), (440, 0), (440, 140), (0, 140)]), Image.BILINEAR)
                    mask = Image.new('L', (640, 640))
                    ImageDraw.Draw(mask).polygon(q, fill=255)
                    scene.paste(warped, (0, 0), mask.filter(ImageFilter.GaussianBlur(0.7)))
                    quads.append(q)
                key = f'{os.path.splitext(name)[0]}_{t}.png'
                degrade(rnd, scene).save(os.path.join(out, 'scenes', part, key))
                truth[key] = [[list(map(float, p)) for p in q] for q in quads]
        with open(os.path.join(out, 'scenes', part + '.json'), 'w') as f:
            json.dump(truth, f)


def main(argv):
    if argv[0] == 'crops':  # the crops alone
        crops(ImageFont.truetype(argv[1], 120), ImageFont.truetype(argv[2], 120), argv[3])
    elif argv[0] == 'letterbox':
        letterbox_dir(argv[1], argv[2], int(argv[3]))
    elif argv[0] == 'plates':
        cjk, latin = ImageFont.truetype(argv[1], 120), ImageFont.truetype(argv[2], 120)
        crops(cjk, latin, argv[4])
        scenes(cjk, latin, argv[3], argv[4])
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main(sys.argv[1:])

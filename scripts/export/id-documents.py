"""Pictures of identity documents for @idscan/idvc2's and @idscan/onboarding's trained models (docs/model-sweep.md
"int8 on more trained npm models"): ID-1 cards (driver licence / ID fronts with a face, backs with a barcode block
and / or an MRZ) and passport data pages, drawn with PIL and DejaVu fonts, faces from Debian's python3-skimage data
(the 100 LFW faces, astronaut.png), laid on skimage's textures with a random similarity transform, tint and blur.
Nothing is downloaded. Calibration and evaluation never share a face, a name or a transform draw.

  /usr/bin/python3 scripts/export/id-documents.py OUT_DIR

writes OUT_DIR/{scene,square,angle}_{calib,eval}/*.png:
- scene: 320x224 RGB, one document (and its face), as the general-type YOLO reads a camera frame;
- square: 320x320 RGB, as the onboarding's side classifier / locator (classLocal) reads one;
- angle: 224x224 RGB, a licence filling the frame at 0 / 90 / 180 / 270 degrees, landscape or portrait (the
  onboarding's angle classifier: DLIC_{H,V}_{0,90,180,270}).
"""
import os
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont
import skimage

DATA = os.path.join(os.path.dirname(skimage.__file__), 'data')
LFW = np.load(os.path.join(DATA, 'lfw_subset.npy'))[:100]
ASTRO = Image.open(os.path.join(DATA, 'astronaut.png')).convert('RGB').crop((150, 30, 300, 220))
BACKS = ['brick.png', 'grass.png', 'gravel.png', 'coffee.png', 'chelsea.png', 'rocket.jpg', 'motorcycle_left.png',
         'hubble_deep_field.jpg', 'page.png', 'coins.png', 'horse.png', 'camera.png']
FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'
BOLD = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'
MONO = '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf'
NAMES = ['ANDERSSON', 'MUELLER', 'GARCIA', 'NOWAK', 'ROSSI', 'DUBOIS', 'OKAFOR', 'TANAKA', 'SILVA', 'KOWALSKI', 'BROWN',
         'JENSEN', 'PETROV', 'HASSAN', 'MARTIN', 'NGUYEN', 'LEHMANN', 'CLARKE', 'MORENO', 'KIM']
GIVEN = ['ANNA', 'JOHN', 'MARIA', 'PETER', 'LENA', 'OMAR', 'SARA', 'DAVID', 'EVA', 'PAUL', 'NINA', 'JONAS']
STATES = ['UTOPIA', 'ARCADIA', 'ATLANTIS', 'ELDORADO', 'AVALON', 'LILLIPUT']


def font(path, size):
    return ImageFont.truetype(path, size)


def face(i, rng):
    if i < 0:
        im = ASTRO
    else:
        im = Image.fromarray((LFW[i] * 255).astype(np.uint8)).convert('RGB').resize((200, 200), Image.BICUBIC)
    return ImageEnhance.Brightness(im).enhance(rng.uniform(0.85, 1.15))


def guilloche(d, w, h, rng, col):
    for k in range(6):
        a, f, ph = rng.uniform(8, 30), rng.uniform(0.01, 0.04), rng.uniform(0, 6.3)
        y0 = rng.uniform(0, h)
        d.line([(x, y0 + a * np.sin(f * x + ph)) for x in range(0, w, 6)], fill=col, width=2)


def mrz(d, x, y, w, rng, lines, size):
    f = font(MONO, size)
    for k in range(lines):
        s = ''.join(rng.choice(list('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<<<<<<<<')) for _ in range(30 if lines == 3 else 44))
        d.text((x, y + k * size * 1.25), s, fill=(20, 20, 20), font=f)


def card(rng, kind, face_i, name_i):
    """kind: front (licence / ID with a face), back (barcode and MRZ), back_nobar (MRZ only), passport."""
    w, h = (880, 620) if kind == 'passport' else (856, 540)
    base = np.array([rng.uniform(190, 245) for _ in range(3)])
    grad = np.linspace(0, 1, w)[None, :, None] * rng.uniform(-40, 20, 3)
    im = Image.fromarray(np.clip(base + grad + np.zeros((h, w, 3)), 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(im)
    guilloche(d, w, h, rng, tuple(int(v) for v in base - rng.uniform(20, 50, 3)))
    state = STATES[rng.integers(len(STATES))]
    band = tuple(int(v) for v in rng.uniform(20, 140, 3))
    name = NAMES[name_i % len(NAMES)], GIVEN[(name_i * 7) % len(GIVEN)]
    if kind in ('front', 'passport'):
        d.rectangle([0, 0, w, 70], fill=band)
        d.text((24, 12), f'{state}  ' + ('PASSPORT' if kind == 'passport' else rng.choice(['DRIVER LICENSE', 'IDENTITY CARD'])),
               fill=(255, 255, 255), font=font(BOLD, 38))
        ph = face(face_i, rng).resize((230, 290), Image.BICUBIC)
        im.paste(ph, (36, 100))
        f, fb = font(FONT, 22), font(BOLD, 28)
        x = 300
        for k, (lab, val) in enumerate([('Surname', name[0]), ('Given names', name[1]),
                                        ('Date of birth', f'{rng.integers(1, 28):02d}.{rng.integers(1, 12):02d}.{rng.integers(1950, 2005)}'),
                                        ('Document no.', f'{rng.integers(10**7, 10**8)}'), ('Expiry', f'{rng.integers(2027, 2035)}')]):
            d.text((x, 96 + 70 * k), lab, fill=(70, 70, 70), font=f)
            d.text((x, 120 + 70 * k), val, fill=(15, 15, 15), font=fb)
        if kind == 'passport':
            mrz(d, 30, h - 110, w, rng, 2, 30)
        else:
            d.text((x, h - 60), name[1][0] + '. ' + name[0].title(), fill=(20, 20, 60), font=font(FONT, 34))
    else:
        d.text((24, 20), f'{state}', fill=band, font=font(BOLD, 30))
        f = font(FONT, 20)
        for k in range(4):
            d.text((24, 70 + 30 * k), rng.choice(['Class B', 'Restrictions: none', 'Endorsements: none', 'Organ donor', 'Issued by DMV']),
                   fill=(40, 40, 40), font=f)
        if kind == 'back':
            bx, by, bw, bh = 40, 200, w - 80, 150
            for x in range(bx, bx + bw, 4):
                for y in range(by, by + bh, 10):
                    if rng.random() < 0.5:
                        d.rectangle([x, y, x + rng.integers(1, 4), y + 9], fill=(0, 0, 0))
        mrz(d, 40, h - 150, w, rng, 3, 34)
    return im


def place(rng, doc, size, scale, angle):
    back = Image.open(os.path.join(DATA, BACKS[rng.integers(len(BACKS))])).convert('RGB')
    bw, bh = back.size
    W, H = size
    s = rng.uniform(0.6, 1.0)
    cw, ch = int(min(bw, bh * W / H) * s), int(min(bw, bh * W / H) * s * H / W)
    x, y = rng.integers(0, bw - cw + 1), rng.integers(0, bh - ch + 1)
    out = back.crop((x, y, x + cw, y + ch)).resize((W, H), Image.BILINEAR)
    doc = doc.convert('RGBA').rotate(angle, resample=Image.BICUBIC, expand=True)
    k = scale * min(W / doc.size[0], H / doc.size[1])
    doc = doc.resize((max(1, int(doc.size[0] * k)), max(1, int(doc.size[1] * k))), Image.BICUBIC)
    px = int(rng.uniform(0, max(1, W - doc.size[0])))
    py = int(rng.uniform(0, max(1, H - doc.size[1])))
    out.paste(doc, (px, py), doc)
    out = ImageEnhance.Brightness(out).enhance(rng.uniform(0.8, 1.2))
    out = ImageEnhance.Contrast(out).enhance(rng.uniform(0.8, 1.15))
    a = np.asarray(out).astype(np.float32) * rng.uniform(0.92, 1.08, 3)
    out = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    return out.filter(ImageFilter.GaussianBlur(rng.uniform(0, 0.8)))


def main(out):
    kinds = ['front', 'front', 'back', 'back_nobar', 'passport']
    for split, seed, faces, count in [('calib', 11, range(0, 40), 32), ('eval', 12, range(40, 100), 40)]:
        rng = np.random.default_rng(seed)
        fl = list(faces) + [-1]
        for part in ('scene', 'square', 'angle'):
            os.makedirs(os.path.join(out, f'{part}_{split}'), exist_ok=True)
        for i in range(count):
            name_i = i + (0 if split == 'calib' else 10)
            kind = kinds[i % len(kinds)]
            doc = card(rng, kind, fl[rng.integers(len(fl))], name_i)
            place(rng, doc, (320, 224), rng.uniform(0.55, 0.95), rng.uniform(-8, 8)).save(
                os.path.join(out, f'scene_{split}', f'{i:03d}_{kind}.png'))
            doc2 = card(rng, kind, fl[rng.integers(len(fl))], name_i + 3)
            place(rng, doc2, (320, 320), rng.uniform(0.6, 0.95), rng.uniform(-6, 6)).save(
                os.path.join(out, f'square_{split}', f'{i:03d}_{kind}.png'))
            lic = card(rng, 'front', fl[rng.integers(len(fl))], name_i + 5)
            vertical = i % 2 == 1
            if vertical:
                lic = lic.resize((540, 856), Image.BICUBIC)
            rot = [0, 90, 180, 270][(i // 2) % 4]
            place(rng, lic, (224, 224), rng.uniform(0.85, 1.0), rot + rng.uniform(-4, 4)).save(
                os.path.join(out, f'angle_{split}', f'{i:03d}_{"V" if vertical else "H"}_{rot}.png'))


if __name__ == '__main__':
    main(sys.argv[1])

"""Samples for the trained models of docs/model-sweep.md "int8 on trained models not tried before (s28-trained11)":
nothing downloaded; calibration and evaluation never share a sample (other photos, other seeds, other voices).

  /usr/bin/python3 scripts/export/trained11-samples.py doodles OUT_DIR
      OUT_DIR/{calib,eval}/NNN_class.png: 384x384 sketches of the Quick-Draw recognizer's 10 classes (bird, flower,
      hand, house, pencil, mug, spoon, sun, tree, umbrella), white strokes on black, drawn by PIL with jittered shapes
      and stroke widths (the app thresholds the canvas' alpha at 0.1: a binary picture); 3 a class for calibration,
      10 a class for evaluation (other seed, other widths).
  /usr/bin/python3 scripts/export/trained11-samples.py signs PHOTOS_DIR OUT_DIR
      OUT_DIR/{calib,eval}/NNN_name.png: 32x32 German traffic signs as GTSRB crops them (the sign filling ~80% of
      the crop): 17 of the 43 classes drawn at 128 px (speed limits, yield, stop, no entry, priority road, caution,
      mandatory arrows ...), rotated / skewed a little, on a crop of a photo of PHOTOS_DIR/{calib,eval}, lit and
      blurred at random, down-sampled to 32 px.
  /usr/bin/python3 scripts/export/trained11-samples.py faces BOXES.json OUT_DIR [MAX]
      OUT_DIR/P_k.png: 256x256 RGB face crops as MesoNet's pipeline cuts them (get_boundingbox: the box's longer
      side x 1.3, a centred square clipped to the photo) from BOXES.json ({"photo": [[x1, y1, x2, y2], ...]}, the
      face boxes of s24-trained7), at most MAX (default all).
  /usr/bin/python3 scripts/export/trained11-samples.py tiny PHOTOS_DIR OUT_DIR N SEED
      OUT_DIR/NNN.png: N 32x32 crops (random squares of 12-60% of the shorter side, some flipped) of the photos, as
      CIFAR's pictures are small photos of one object.
  /usr/bin/python3 scripts/export/trained11-samples.py lab PHOTOS_DIR OUT_DIR
      OUT_DIR/NNN.npy: [1, 1, 256, 256] float32 L / 100 (CIE Lab, skimage) of each photo resized to 256 on its
      shorter side and centre-cropped, as Super-Color's REcolorDataset feeds its colorization net.
  /usr/bin/python3 scripts/export/trained11-samples.py captcha OUT_DIR
      OUT_DIR/{calib,eval}/TEXT_n.png: 160x60 captchas of 6 characters from BoxFactura/sat-captcha-ai-model's vocabulary
      (Y65WRD98SMBG3NJ21CP4KF7ZXHVTQL), each glyph in a DejaVu face at its own size, tilt and colour, over a tinted
      background with noise dots and a few crossing lines, lightly blurred: 24 calibration (seed 1), 120 evaluation
      (seed 2). The model reads them as cv2.imread gives them (BGR 0-255, its own x / 255 inside).
  /usr/bin/python3 scripts/export/trained11-samples.py kws OUT_DIR
      OUT_DIR/{calib,eval}/NNN_word.npy: [1, 1, 40, 101] float32 log-mel spectrograms as monhi/SayIt's train_kws.py
      makes them (librosa.feature.melspectrogram defaults: 16 kHz, n_fft 512, 400-sample hann windows every 160,
      centred frames zero-padded, 40 slaney mels, power 2; log(mel + 1e-6)) of espeak-ng saying one of its 8
      words (down, go, left, no, right, stop, up, yes) in 1 s of noise (s24-trained7's `say`), plus noise-only
      clips (`noise`, its _noise_ class). Calibration voices en-gb-scotland / en-us+f4 / en-029+m2 (2 takes, 6
      noise: 22), evaluation voices en-gb-x-rp / en-us+m3 / en-gb-x-gbclan+f2 / en-us-nyc (3 takes, 12 noise: 108).
"""
import importlib.util
import json
import math
import os
import random
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

HERE = os.path.dirname(os.path.abspath(__file__))
PHOTO = ('.png', '.jpg', '.jpeg')
DOODLES = ['bird', 'flower', 'hand', 'house', 'pencil', 'mug', 'spoon', 'sun', 'tree', 'umbrella']


def photos(src):
    return sorted(os.path.join(src, f) for f in os.listdir(src) if f.lower().endswith(PHOTO))


def doodle(kind, rnd, width):
    im = Image.new('L', (384, 384), 0)
    d = ImageDraw.Draw(im)
    j = lambda v, a=12: v + rnd.uniform(-a, a)
    s = rnd.uniform(0.75, 1.1)
    cx, cy = j(192, 25), j(192, 25)
    P = lambda x, y: (cx + (x - 192) * s + rnd.uniform(-4, 4), cy + (y - 192) * s + rnd.uniform(-4, 4))
    line = lambda *pts: d.line([P(*p) for p in pts], fill=255, width=width, joint='curve')
    ell = lambda x0, y0, x1, y1: d.ellipse([P(x0, y0), P(x1, y1)], outline=255, width=width)
    arc = lambda x0, y0, x1, y1, a0, a1: d.arc([P(x0, y0), P(x1, y1)], a0, a1, fill=255, width=width)
    if kind == 'house':
        line((100, 190), (100, 320), (284, 320), (284, 190), (100, 190))
        line((85, 195), (192, j(80)), (299, 195))
        line((170, 320), (170, 250), (214, 250), (214, 320))
        if rnd.random() < 0.6: line((120, 215), (155, 215), (155, 240), (120, 240), (120, 215))
    elif kind == 'sun':
        r = rnd.uniform(55, 75)
        ell(192 - r, 192 - r, 192 + r, 192 + r)
        for k in range(rnd.randint(7, 12)):
            a = 2 * math.pi * k / 10 + rnd.uniform(-0.1, 0.1)
            line((192 + (r + 15) * math.cos(a), 192 + (r + 15) * math.sin(a)), (192 + (r + 60) * math.cos(a), 192 + (r + 60) * math.sin(a)))
    elif kind == 'tree':
        line((175, 330), (178, 230)); line((209, 330), (206, 230))
        ell(110, 70, 274, 240)
        if rnd.random() < 0.5: line((160, 330), (224, 330))
    elif kind == 'umbrella':
        arc(80, 100, 304, 300, 180, 360)
        line((80, 200), (304, 200))
        line((192, 200), (192, 320)); arc(150, 300, 192, 340, 0, 180)
    elif kind == 'flower':
        for k in range(rnd.randint(5, 7)):
            a = 2 * math.pi * k / 6
            x, y = 192 + 45 * math.cos(a), 140 + 45 * math.sin(a)
            ell(x - 28, y - 28, x + 28, y + 28)
        ell(172, 120, 212, 160)
        line((192, 185), (190, 340))
        arc(120, 250, 192, 300, 180, 360)
    elif kind == 'mug':
        line((120, 110), (120, 310), (250, 310), (250, 110))
        ell(120, 95, 250, 125)
        arc(220, 160, 310, 260, 270, 90)
    elif kind == 'pencil':
        a = rnd.uniform(-0.6, 0.6)
        def R(x, y):
            x, y = x - 192, y - 192
            return (192 + x * math.cos(a) - y * math.sin(a), 192 + x * math.sin(a) + y * math.cos(a))
        line(R(60, 165), R(280, 165), R(330, 192), R(280, 219), R(60, 219), R(60, 165))
        line(R(280, 165), R(280, 219)); line(R(90, 165), R(90, 219))
    elif kind == 'spoon':
        ell(150, 50, 234, 170)
        line((192, 170), (188, 340))
        line((200, 170), (198, 340))
    elif kind == 'hand':
        line((130, 330), (120, 200))
        for k, (x, h) in enumerate([(120, 120), (150, 70), (185, 60), (220, 75), (250, 110)]):
            line((x, 200), (x + 2, h), (x + 28, h), (x + 30, 200))
        line((258, 200), (300, 170), (310, 190), (262, 250), (255, 330))
    elif kind == 'bird':
        ell(110, 150, 260, 250)
        ell(240, 120, 300, 175)
        line((298, 140), (330, 150), (298, 158))
        line((110, 195), (60, 170), (70, 215), (112, 205))
        line((170, 250), (165, 300)); line((200, 250), (205, 300))
        arc(140, 160, 230, 230, 200, 340)
    return im


def doodles(out):
    for name, per, seed, widths in (('calib', 3, 1, (6, 10, 14)), ('eval', 10, 2, (5, 8, 12, 16))):
        rnd = random.Random(seed)
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        items = [c for c in DOODLES for _ in range(per)]
        rnd.shuffle(items)
        for i, c in enumerate(items):
            doodle(c, rnd, rnd.choice(widths)).save(os.path.join(d, f'{i:03d}_{c}.png'))


# GTSRB class ids: (name, shape, draw)
SIGNS = {0: 'twenty', 1: 'thirty', 2: 'fifty', 3: 'sixty', 4: 'seventy', 5: 'eighty', 7: 'hundred', 8: 'hundredtwenty',
         12: 'priority', 13: 'yield', 14: 'stop', 15: 'novehicles', 17: 'noentry', 18: 'caution', 32: 'endlimits',
         35: 'ahead', 38: 'keepright'}
GTSRB_NAMES = ['twenty', 'thirty', 'fifty', 'sixty', 'seventy', 'eighty', 'endeighty', 'hundred', 'hundredtwenty',
               'nopass', 'nopasstruck', 'rightofway', 'priority', 'yield', 'stop', 'novehicles', 'notrucks', 'noentry',
               'caution', 'curveleft', 'curveright', 'doublecurve', 'bumpy', 'slippery', 'narrows', 'roadwork',
               'signals', 'pedestrians', 'children', 'bicycles', 'ice', 'animals', 'endlimits', 'turnright',
               'turnleft', 'ahead', 'straightright', 'straightleft', 'keepright', 'keepleft', 'roundabout',
               'endnopass', 'endnopasstruck']
FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'
RED, BLUE, WHITE, BLACK, YELLOW = (200, 20, 30), (20, 70, 170), (245, 245, 240), (20, 20, 20), (250, 190, 20)


def sign(cls, rnd):
    """RGBA 128x128 drawing of one sign, its outline touching the square's edges."""
    im = Image.new('RGBA', (128, 128), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    speed = {0: '20', 1: '30', 2: '50', 3: '60', 4: '70', 5: '80', 7: '100', 8: '120'}
    if cls in speed or cls in (15, 17, 32, 35, 38):
        if cls == 17:
            d.ellipse([2, 2, 125, 125], fill=RED); d.rectangle([22, 54, 105, 73], fill=WHITE)
        elif cls in (35, 38):
            d.ellipse([2, 2, 125, 125], fill=BLUE)
            arrow = [(64, 20), (96, 56), (74, 56), (74, 108), (54, 108), (54, 56), (32, 56)]
            if cls == 38:
                arrow = [(p[0], p[1]) for p in arrow]
                im2 = Image.new('RGBA', (128, 128), (0, 0, 0, 0)); ImageDraw.Draw(im2).polygon(arrow, fill=WHITE)
                im.alpha_composite(im2.rotate(-135, center=(64, 64)))
            else:
                d.polygon(arrow, fill=WHITE)
        elif cls == 32:
            d.ellipse([2, 2, 125, 125], fill=WHITE, outline=BLACK, width=2)
            for k in range(-2, 3):
                d.line([(30 + 8 * k, 98 + 8 * k), (98 + 8 * k, 30 + 8 * k)], fill=(90, 90, 90), width=3)
        else:
            d.ellipse([2, 2, 125, 125], fill=RED); d.ellipse([16, 16, 111, 111], fill=WHITE)
            if cls in speed:
                t = speed[cls]
                f = ImageFont.truetype(FONT, 50 if len(t) == 2 else 38)
                w = d.textlength(t, font=f)
                d.text((64 - w / 2, 64), t, font=f, fill=BLACK, anchor='lm')
    elif cls == 13:
        d.polygon([(2, 8), (125, 8), (64, 120)], fill=RED); d.polygon([(22, 20), (105, 20), (64, 96)], fill=WHITE)
    elif cls == 18:
        d.polygon([(2, 118), (125, 118), (64, 8)], fill=RED); d.polygon([(22, 106), (105, 106), (64, 32)], fill=WHITE)
        d.rectangle([60, 50, 68, 88], fill=BLACK); d.rectangle([60, 93, 68, 100], fill=BLACK)
    elif cls == 14:
        pts = [(64 + 62 * math.cos(math.pi / 8 + k * math.pi / 4), 64 + 62 * math.sin(math.pi / 8 + k * math.pi / 4)) for k in range(8)]
        d.polygon(pts, fill=RED)
        f = ImageFont.truetype(FONT, 30)
        d.text((64, 64), 'STOP', font=f, fill=WHITE, anchor='mm')
    elif cls == 12:
        d.polygon([(64, 2), (125, 64), (64, 125), (2, 64)], fill=WHITE, outline=(60, 60, 60))
        d.polygon([(64, 20), (107, 64), (64, 107), (20, 64)], fill=YELLOW)
    return im


def signs(src, out):
    for name, per, seed in (('calib', 3, 1), ('eval', 10, 2)):
        rnd = random.Random(seed)
        pics = photos(os.path.join(src, name))
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        items = [c for c in SIGNS for _ in range(per)]
        rnd.shuffle(items)
        for i, c in enumerate(items):
            bg = Image.open(rnd.choice(pics)).convert('RGB')
            s = rnd.randint(60, min(bg.size) // 2)
            x, y = rnd.randint(0, bg.size[0] - s), rnd.randint(0, bg.size[1] - s)
            bg = bg.crop((x, y, x + s, y + s)).resize((160, 160), Image.BILINEAR)
            sg = sign(c, rnd).rotate(rnd.uniform(-8, 8), resample=Image.BILINEAR)
            sz = rnd.randint(112, 140)
            sg = sg.resize((sz, int(sz * rnd.uniform(0.9, 1.05))), Image.BILINEAR)
            bg.paste(sg, (80 - sz // 2 + rnd.randint(-6, 6), 80 - sg.size[1] // 2 + rnd.randint(-6, 6)), sg)
            a = np.asarray(bg, np.float32) * rnd.uniform(0.45, 1.15) + rnd.uniform(-20, 20)
            bg = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(rnd.uniform(0, 2.5)))
            bg.resize((32, 32), Image.BILINEAR).save(os.path.join(d, f'{i:03d}_{SIGNS[c]}.png'))


def faces(boxes_json, out, most=None):
    os.makedirs(out, exist_ok=True)
    boxes = json.load(open(boxes_json))
    n = 0
    for p, (photo, bs) in enumerate(sorted(boxes.items())):
        img = Image.open(photo).convert('RGB')
        width, height = img.size
        for k, (x1, y1, x2, y2) in enumerate(bs):
            if most and n >= int(most):
                return
            size = int(max(x2 - x1, y2 - y1) * 1.3)
            cx, cy = (x1 + x2) // 2, (y1 + y2) // 2
            x0, y0 = max(int(cx - size // 2), 0), max(int(cy - size // 2), 0)
            size = min(width - x0, height - y0, size)
            img.crop((x0, y0, x0 + size, y0 + size)).resize((256, 256), Image.BILINEAR).save(os.path.join(out, f'{p}_{k}.png'))
            n += 1


def tiny(src, out, n, seed):
    os.makedirs(out, exist_ok=True)
    rnd = random.Random(int(seed))
    pics = [Image.open(p).convert('RGB') for p in photos(src)]
    for i in range(int(n)):
        im = rnd.choice(pics)
        s = int(min(im.size) * rnd.uniform(0.12, 0.6))
        x, y = rnd.randint(0, im.size[0] - s), rnd.randint(0, im.size[1] - s)
        c = im.crop((x, y, x + s, y + s)).resize((32, 32), Image.BICUBIC)
        if rnd.random() < 0.5:
            c = c.transpose(Image.FLIP_LEFT_RIGHT)
        c.save(os.path.join(out, f'{i:03d}.png'))


def lab(src, out):
    from skimage import color
    os.makedirs(out, exist_ok=True)
    for i, p in enumerate(photos(src)):
        im = Image.open(p).convert('RGB')
        k = 256 / min(im.size)
        im = im.resize((max(256, round(im.size[0] * k)), max(256, round(im.size[1] * k))), Image.BILINEAR)
        x, y = (im.size[0] - 256) // 2, (im.size[1] - 256) // 2
        L = color.rgb2lab(np.asarray(im.crop((x, y, x + 256, y + 256))))[..., 0]
        # REcolorDataset stores (L / 100) * 255 as uint8, then ToTensor divides by 255.
        v = np.floor(L / 100 * 255).clip(0, 255) / 255
        np.save(os.path.join(out, f'{i:03d}.npy'), v[None, None].astype(np.float32))


CAPTCHA_VOCAB = 'Y65WRD98SMBG3NJ21CP4KF7ZXHVTQL'
FACES = ['DejaVuSans-Bold.ttf', 'DejaVuSans.ttf', 'DejaVuSerif-Bold.ttf', 'DejaVuSansMono-Bold.ttf', 'DejaVuSerif.ttf']


def captcha(out):
    for name, n, seed in (('calib', 24, 1), ('eval', 120, 2)):
        rnd = random.Random(seed)
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        for i in range(n):
            text = ''.join(rnd.choice(CAPTCHA_VOCAB) for _ in range(6))
            bg = tuple(rnd.randint(200, 255) for _ in range(3))
            im = Image.new('RGB', (160, 60), bg)
            dr = ImageDraw.Draw(im)
            for _ in range(rnd.randint(80, 250)):
                x, y = rnd.randint(0, 159), rnd.randint(0, 59)
                dr.point((x, y), fill=tuple(rnd.randint(60, 200) for _ in range(3)))
            x = rnd.randint(4, 14)
            for ch in text:
                f = ImageFont.truetype('/usr/share/fonts/truetype/dejavu/' + rnd.choice(FACES), rnd.randint(24, 32))
                g = Image.new('RGBA', (40, 48), (0, 0, 0, 0))
                ImageDraw.Draw(g).text((20, 24), ch, font=f, anchor='mm', fill=tuple(rnd.randint(0, 110) for _ in range(3)) + (255,))
                g = g.rotate(rnd.uniform(-20, 20), resample=Image.BILINEAR)
                im.paste(g, (x - 8, rnd.randint(-2, 14)), g)
                x += rnd.randint(20, 25)
            for _ in range(rnd.randint(1, 4)):
                dr.line([(rnd.randint(0, 159), rnd.randint(0, 59)) for _ in range(2)], fill=tuple(rnd.randint(40, 160) for _ in range(3)), width=rnd.randint(1, 2))
            im = im.filter(ImageFilter.GaussianBlur(rnd.uniform(0, 0.8)))
            im.save(os.path.join(d, f'{text}_{i}.png'))


def logmel(signal):
    import torch
    import torchaudio
    m = torchaudio.transforms.MelSpectrogram(sample_rate=16000, n_fft=512, win_length=400, hop_length=160, n_mels=40,
                                             power=2.0, center=True, pad_mode='constant', norm='slaney',
                                             mel_scale='slaney', window_fn=torch.hann_window)
    f = m(torch.from_numpy(signal[None].astype(np.float32)))[0]  # [40, 101]
    return np.ascontiguousarray(np.log(f.numpy() + 1e-6)[None, None], dtype=np.float32)


def kws(out):
    spec = importlib.util.spec_from_file_location('t7', os.path.join(HERE, 'trained7-samples.py'))
    t7 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(t7)
    words = ['down', 'go', 'left', 'no', 'right', 'stop', 'up', 'yes']
    sets = {'calib': (['en-gb-scotland', 'en-us+f4', 'en-029+m2'], 2, 6, 11),
            'eval': (['en-gb-x-rp', 'en-us+m3', 'en-gb-x-gbclan+f2', 'en-us-nyc'], 3, 12, 12)}
    for name, (voices, takes, noise, seed) in sets.items():
        rnd = random.Random(seed)
        items = [(w, voices[(i + t) % len(voices)]) for i, w in enumerate(words) for t in range(takes * (len(voices) if name == 'eval' else 1))]
        items += [('noise', None)] * noise
        rnd.shuffle(items)
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        for i, (w, v) in enumerate(items):
            sig = noise_clip(rnd) if v is None else t7.say(w, v, rnd.randint(120, 200), rnd.randint(30, 70), rnd)
            np.save(os.path.join(d, f'{i:03d}_{w}.npy'), logmel(sig))


def noise_clip(rnd):
    n = np.asarray([rnd.gauss(0, 1) for _ in range(16000)], np.float32)
    if rnd.random() < 0.5:
        n = np.asarray(np.cumsum(n) * 0.05, np.float32)
        n -= np.convolve(n, np.ones(400) / 400, 'same')
    return n / (np.sqrt(np.mean(n * n)) + 1e-9) * rnd.uniform(0.003, 0.03)


if __name__ == '__main__':
    cmd = sys.argv[1]
    {'doodles': doodles, 'signs': signs, 'faces': faces, 'tiny': tiny, 'lab': lab, 'captcha': captcha, 'kws': kws}[cmd](*sys.argv[2:])

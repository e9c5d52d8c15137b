"""Samples for the trained models of docs/model-sweep.md "int8 on trained models not tried before (s26-trained9)":
nothing downloaded here; calibration and evaluation never share a sample (other photos, other text, other seeds).

  /usr/bin/python3 scripts/export/trained9-samples.py squares PHOTOS_DIR OUT_DIR SIZE
      The centre square of every picture of PHOTOS_DIR resized to SIZE x SIZE (PNG): the style-transfer nets' input
      (trained6's photo split: PHOTOS_DIR/calib -> OUT_DIR/calib, PHOTOS_DIR/eval -> OUT_DIR/eval).
  /usr/bin/python3 scripts/export/trained9-samples.py pages FONT PHOTOS_DIR OUT_DIR SIZE
      Chinese text pages SIZE x SIZE for a text detector: 3-12 lines of common Chinese characters (with
      punctuation) at 16-56 px in FONT, dark or coloured ink, on paper (white / tinted, light noise) or on a blurred,
      lightened photo of PHOTOS_DIR; some lines rotated by up to 4 degrees, a light blur on some pages. calib: 16 pages
      (seed 1, the first half of the character list), eval: 24 pages (seed 2, the second half; photos from eval).
  /usr/bin/python3 scripts/export/trained9-samples.py lines FONT OUT_DIR
      Text-line crops 32 x 192 for chineseocr_lite's angle net, made as angnet/angle.py makes them: a line of 4-14
      characters rendered, resized to height 32 keeping its aspect, pasted on white at the left (or cropped to 192).
      Half are turned by 180 degrees; the name starts with the class: 1_ upright, 0_ turned (the net's classes: its
      predict_rbgs turns a page when most lines read 0). calib 48 (seed 3, first half of the characters), eval 240
      (seed 4, second half).
"""
import os
import random
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

CHARS = ('的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行'
         '学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外'
         '天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但气第向道命此变条只没结解问意建月公无系军很情者'
         '最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期'
         '根论运农指几九区强放决西被干做必战先回则任取据处府研书店车站门票价格商场超市银行医院学校公园饭馆茶咖啡面包牛奶鸡蛋')
PUNCT = '，。、：；！？（）《》'  # the font has no ASCII digits


def squares(src, out, size):
    for part in ('calib', 'eval'):
        os.makedirs(os.path.join(out, part), exist_ok=True)
        for name in sorted(os.listdir(os.path.join(src, part))):
            im = Image.open(os.path.join(src, part, name)).convert('RGB')
            s = min(im.size)
            x, y = (im.size[0] - s) // 2, (im.size[1] - s) // 2
            im.crop((x, y, x + s, y + s)).resize((size, size), Image.BILINEAR).save(
                os.path.join(out, part, os.path.splitext(name)[0] + '.png'))


def text_of(rnd, chars, n):
    s = ''.join(rnd.choice(chars) for _ in range(n))
    if n > 5 and rnd.random() < 0.6:
        i = rnd.randrange(2, n - 1)
        s = s[:i] + rnd.choice(PUNCT) + s[i:]
    return s


def background(rnd, photos, size):
    if photos and rnd.random() < 0.35:
        im = Image.open(rnd.choice(photos)).convert('RGB').resize((size, size), Image.BILINEAR)
        im = im.filter(ImageFilter.GaussianBlur(rnd.uniform(2, 6)))
        a = np.asarray(im, np.float32) * 0.45 + 140
        return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    tint = [rnd.randint(225, 255) for _ in range(3)]
    a = np.ones((size, size, 3), np.float32) * tint + np.random.RandomState(rnd.randrange(1 << 30)).normal(0, 3, (size, size, 3))
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def pages(font, photos_dir, out, size):
    for part, seed, n in (('calib', 1, 16), ('eval', 2, 24)):
        rnd = random.Random(seed)
        chars = CHARS[:len(CHARS) // 2] if part == 'calib' else CHARS[len(CHARS) // 2:]
        pdir = os.path.join(photos_dir, part)
        photos = [os.path.join(pdir, f) for f in sorted(os.listdir(pdir))]
        os.makedirs(os.path.join(out, part), exist_ok=True)
        for k in range(n):
            page = background(rnd, photos, size)
            y = rnd.randint(4, 40)
            for _ in range(rnd.randint(3, 12)):
                px = rnd.randint(16, 56)
                if y + px * 1.4 > size:
                    break
                ft = ImageFont.truetype(font, px)
                s = text_of(rnd, chars, rnd.randint(3, max(3, min(20, int(size * 0.9 / px)))))
                ink = tuple(rnd.randint(0, 70) for _ in range(3)) if rnd.random() < 0.7 else \
                    (rnd.randint(0, 160), rnd.randint(0, 120), rnd.randint(60, 200))
                w = int(ft.getlength(s)) + 8
                layer = Image.new('L', (w, int(px * 1.4)), 0)
                ImageDraw.Draw(layer).text((4, int(px * 0.1)), s, font=ft, fill=255)
                if rnd.random() < 0.3:
                    layer = layer.rotate(rnd.uniform(-4, 4), resample=Image.BILINEAR, expand=True)
                x = rnd.randint(0, max(0, size - layer.size[0]))
                page.paste(Image.new('RGB', layer.size, ink), (x, y), layer)
                y += layer.size[1] + rnd.randint(4, 40)
            if rnd.random() < 0.3:
                page = page.filter(ImageFilter.GaussianBlur(rnd.uniform(0.5, 1.2)))
            page.save(os.path.join(out, part, f'page_{k:03d}.png'))


def lines(font, out):
    for part, seed, n in (('calib', 3, 48), ('eval', 4, 240)):
        rnd = random.Random(seed)
        chars = CHARS[:len(CHARS) // 2] if part == 'calib' else CHARS[len(CHARS) // 2:]
        os.makedirs(os.path.join(out, part), exist_ok=True)
        for k in range(n):
            px = rnd.randint(20, 48)
            ft = ImageFont.truetype(font, px)
            s = text_of(rnd, chars, rnd.randint(4, 14))
            pad = rnd.randint(1, 6)
            w, h = int(ft.getlength(s)) + 2 * pad, int(px * 1.25) + 2 * pad
            paper = tuple(rnd.randint(215, 255) for _ in range(3))
            ink = tuple(rnd.randint(0, 80) for _ in range(3))
            im = Image.new('RGB', (w, h), paper)
            ImageDraw.Draw(im).text((pad, pad), s, font=ft, fill=ink)
            if rnd.random() < 0.3:
                im = im.filter(ImageFilter.GaussianBlur(rnd.uniform(0.4, 1.0)))
            turned = k % 2 == 1
            if turned:
                im = im.rotate(180)
            nw = max(1, int(w * 32 / h))
            im = im.resize((nw, 32), Image.BILINEAR)
            if nw < 192:
                canvas = Image.new('RGB', (192, 32), (255, 255, 255))
                canvas.paste(im, (0, 0))
            else:
                canvas = im.crop((0, 0, 192, 32))
            canvas.save(os.path.join(out, part, f'{0 if turned else 1}_{k:04d}.png'))


if __name__ == '__main__':
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == 'squares':
        squares(args[0], args[1], int(args[2]))
    elif cmd == 'pages':
        pages(args[0], args[1], args[2], int(args[3]))
    elif cmd == 'lines':
        lines(args[0], args[1])
    else:
        sys.exit(__doc__)

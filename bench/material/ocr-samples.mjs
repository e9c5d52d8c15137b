// Real-looking inputs for the PaddleOCR int8 benchmark, rendered with ImageMagick (`convert`, DejaVu fonts):
// 640×640 text pages (detection) and 320×48 text lines (recognition, direction classifier). The calibration and
// evaluation sets never share a text, a font or a point size.
// Usage: node bench/material/ocr-samples.mjs OUT_DIR [MORE_LINES] → OUT_DIR/{calib,eval}/{page,line}/NN.png and
// OUT_DIR/eval/line-more/NNN.png (skips existing), and in each line folder lines.json: each line's text and its width at
// height 48 before it was fitted (over 320: squeezed). With `wide` (makeOcrSamples), the same lines also at height 48
// and their own width, unpadded (OUT_DIR/{calib,eval}/line-wide, eval/line-more-wide: how PaddleOCR's own pipeline
// gets them before it pads; bench/ocr-wide.ts feeds them), calibration with `wide` lines (more than `lines`).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const CALIB_TEXT = `The quick brown fox jumps over the lazy dog near the river bank
Invoice number 48213 due on 12 March 2024 total amount 1,250.00 EUR
Please keep this receipt for your records and returns within 30 days
Meeting room B4 is booked from 09:30 to 11:00 every Tuesday morning
Store in a cool dry place away from direct sunlight and children
Flight LH 2041 departs from gate 17 at 14:55 boarding closes early
Chapter seven the lighthouse keeper counted ships until midnight
Customer service hours Monday to Friday 8 am to 6 pm call 555 0199
Warning high voltage authorised personnel only beyond this point
Recipe two cups of flour one egg a pinch of salt and warm milk
Temperature sensor reading 23.7 C humidity 41 percent battery ok
Order 77-1932 shipped via express courier tracking ZX98211034
北京 上海 广州 深圳 欢迎光临 营业时间 价格 合计 收据`.split('\n');

const EVAL_TEXT = `Annual report 2023 revenue grew by 14 percent to 3.2 million
Do not open this door alarm will sound emergency exit only
Parking permit valid until 31 December for zone C vehicles
Library books must be returned within twenty one days of loan
Train 8406 to Hamburg Hbf platform 5 delayed by 10 minutes
Wash at 40 degrees do not tumble dry iron on low heat setting
Serial no SN-55K-0042 firmware version 4.1.7 build 2291
The committee approved the budget after a long discussion
Bus stop 12 Market Square next departure in 6 minutes
Fresh bread baked daily open 7 days a week since 1987
Password must contain at least 8 characters and one digit
Net weight 500 g best before 09 2025 keep refrigerated
杭州 南京 成都 天气 晴 温度 二十五度 出口 入口 电话`.split('\n');

const CALIB_FONTS = ['DejaVu-Sans', 'DejaVu-Serif', 'DejaVu-Sans-Condensed'];
const EVAL_FONTS = ['DejaVu-Sans-Mono', 'DejaVu-Serif-Bold', 'DejaVu-Sans-Oblique'];
const CALIB_SIZES = [18, 24, 30];
const EVAL_SIZES = [16, 21, 27];
const CALIB_INK = ['black', '#202040', '#303030'];
const EVAL_INK = ['#101010', '#402020', 'navy'];
const CALIB_PAPER = ['white', '#f4f1e8', '#eef2f5'];
const EVAL_PAPER = ['#fafafa', '#f0ead8', 'white'];

// DejaVu has no CJK glyphs: a Chinese line drawn with it is blank (a blank strip has no reading direction; the float
// classifier gives it 50/50). Chinese text gets Droid Sans Fallback (Debian fonts-droid-fallback) when it is there.
const CJK_FONT = '/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf';
const CJK = /[\u3000-\u9fff]/;
const fontFor = (text, font) => (CJK.test(text) && fs.existsSync(CJK_FONT) ? CJK_FONT : font);

function run(args) {
  const r = spawnSync('convert', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`convert ${args.join(' ')}: ${r.stderr || r.error}`);
}

/** A page: 6–12 lines at varying positions, one font per page; some lines from the other end of the list. */
function page(file, k, texts, fonts, sizes, inks, papers) {
  const font = fonts[k % fonts.length];
  const size = sizes[(k >> 1) % sizes.length];
  const args = ['-size', '640x640', `xc:${papers[k % papers.length]}`, '-font', font, '-pointsize', String(size), '-fill', inks[(k + 1) % inks.length]];
  const lines = 6 + (k % 7);
  let y = 30 + (k * 13) % 40;
  for (let i = 0; i < lines && y < 620; i++) {
    const t = texts[(k * 5 + i * 3) % texts.length];
    const words = t.split(' ');
    const cut = words.slice(0, 3 + ((k + i) % (words.length - 2))).join(' ');
    args.push('-font', fontFor(cut, font), '-annotate', `+${12 + ((k * 17 + i * 29) % 90)}+${y}`, cut);
    y += size + 14 + ((k + i) % 4) * 9;
  }
  args.push(file);
  run(args);
}

/** A line: the text on a 320×48 strip, rendered at the font size and fitted like PaddleOCR's rec resize
 *  (`resize_norm_img`): height 48 at the text's aspect ratio, padded on the right to 320, or squeezed to 320 when
 *  wider — never cut (a glyph cut in half is an input the real pipeline never gives the recognizer). */
function line(file, k, texts, fonts, sizes, inks, papers, wide) {
  const t = texts[k % texts.length].split(' ');
  const start = (k * 7) % Math.max(1, t.length - 4);
  return drawLine(file, t.slice(start, start + 3 + (k % 3)).join(' '), fonts[k % fonts.length], sizes[k % sizes.length], inks[(k + 2) % inks.length], papers[k % papers.length], wide);
}

/** Line k of the larger evaluation set: the same texts, fonts, sizes and colours as `line`'s, but each varied on its
 *  own (in `line` font, size and paper move together, and 39 lines apart a line can repeat), so no two lines match. */
function moreLine(file, k, texts, fonts, sizes, inks, papers, wide) {
  const t = texts[k % texts.length].split(' ');
  const words = 3 + (Math.floor(k / 13) % 3);
  const start = (Math.floor(k / 39) * 5 + (k % 13) * 3) % Math.max(1, t.length - words + 1);
  const pick = (list, j) => list[j % list.length];
  return drawLine(file, t.slice(start, start + words).join(' '), pick(fonts, k), pick(sizes, Math.floor(k / 3)), pick(inks, Math.floor(k / 9) + k), pick(papers, Math.floor(k / 27) + k), wide);
}

/** Draws the line unless `file` exists; returns its text and its width at height 48 before the fit (over 320: squeezed).
 *  `wide`: the line at height 48 and its own width, not fitted to 320. */
function drawLine(file, text, font, size, ink, paper, wide = false) {
  const label = ['-background', paper, '-fill', ink, '-font', fontFor(text, font), '-pointsize', String(size * 2), `label:${text}`, '-trim',
    '-bordercolor', paper, '-border', '6x4', '-resize', 'x48'];
  if (!fs.existsSync(file)) run([...label, ...(wide ? [] : ['-resize', '320x48!>', '-gravity', 'West', '-extent', '320x48']), '+repage', file]);
  const r = spawnSync('convert', [...label, '-format', '%w', 'info:'], { encoding: 'utf8' });
  return { text, width: Number(r.stdout) };
}

/** `moreLines`: a second, larger evaluation set of lines (eval/line-more, `moreLine`), apart from calibration too. */
/** `wide`: calibration lines drawn unfitted too (calib/line-wide; the evaluation sets' lines all are, eval/line-wide and
 *  eval/line-more-wide); 0 draws none. */
export function makeOcrSamples(out, { pages = 24, lines = 24, evalPages = 12, evalLines = 48, moreLines = 0, wide = 0 } = {}) {
  const sets = [
    ['calib', CALIB_TEXT, CALIB_FONTS, CALIB_SIZES, CALIB_INK, CALIB_PAPER, pages, lines, 0, wide, 0],
    ['eval', EVAL_TEXT, EVAL_FONTS, EVAL_SIZES, EVAL_INK, EVAL_PAPER, evalPages, evalLines, moreLines, wide && evalLines, wide && moreLines],
  ];
  for (const [set, texts, fonts, sizes, inks, papers, np, nl, nm, nw, nmw] of sets) {
    const kinds = [['page', np, page], ['line', nl, line], ['line-more', nm, moreLine], ['line-wide', nw, line, true], ['line-more-wide', nmw, moreLine, true]];
    for (const [kind, n, draw, unfitted] of kinds) {
      const dir = path.join(out, set, kind);
      fs.mkdirSync(dir, { recursive: true });
      // Lines: each one's text and width at height 48 before the fit (lines.json; > 320 = squeezed), for the benchmark.
      const sidecar = path.join(dir, 'lines.json');
      const widths = kind !== 'page' && fs.existsSync(sidecar) ? JSON.parse(fs.readFileSync(sidecar, 'utf8')) : {};
      for (let k = 0; k < n; k++) {
        const name = `${String(k).padStart(kind.startsWith('line-more') ? 3 : 2, '0')}.png`;
        const file = path.join(dir, name);
        if (kind === 'page') { if (!fs.existsSync(file)) draw(file, k, texts, fonts, sizes, inks, papers); } else if (!(name in widths) || !fs.existsSync(file)) widths[name] = draw(file, k, texts, fonts, sizes, inks, papers, unfitted);
      }
      if (kind !== 'page' && n) fs.writeFileSync(sidecar, JSON.stringify(widths));
    }
  }
  return out;
}

if (/ocr-samples\.mjs$/.test(process.argv[1] ?? "")) {
  if (!process.argv[2]) { console.error('usage: node bench/material/ocr-samples.mjs OUT_DIR'); process.exit(2); }
  makeOcrSamples(process.argv[2], { moreLines: Number(process.argv[3] ?? 0) });
}

// Task measures of scripts/check-int8-zoo.ts for trained models judged in docs/model-sweep.md "int8 on trained models
// not tried before (s23-trained6)", decoded as each repository's own code does:
// - policy (a board game's move policy: Kazuhito00/Unity-Barracuda-Reversi-WebGL-Sample's reversi_ai.onnx, input
//   [N, 64] with the player to move 1, the other 2, empty 0; output 64 move scores): the move the game plays
//   (ReversiController.cs: the highest-scoring square where the move turns stones), and the raw arg-max.
// - nanodet (NanoDet-m, Kazuhito00/Detection-PoseEstimation-Pipeline's nanodet_onnx.py: per stride 8 / 16 / 32 class
//   scores [1, HW, 80] after sigmoid and GFL distances [1, HW, 4 × 8], softmax over the 8 bins · 0..7 × stride from the
//   cell's centre ((x + 0.5)·s − 0.5); score > CONF (0.35) and NMS at IoU 0.6 over all classes, as cv2.dnn.NMSBoxes).
import type { Tensor } from '../src/ir/types';
import { boxIou, type Det, type Outs } from './int8-zoo-tasks';

const f32 = (m: Outs, k: string) => m.get(k)!.data as Float32Array;

const DIRS = [[-1, -1], [-1, 0], [-1, 1], [0, -1], [0, 1], [1, -1], [1, 0], [1, 1]];

/** Whether placing the mover's stone (1) at square i turns at least one of the other's (2). */
export function legalMove(board: ArrayLike<number>, i: number): boolean {
  if (board[i] !== 0) return false;
  const x0 = i % 8, y0 = Math.floor(i / 8);
  for (const [dx, dy] of DIRS) {
    let x = x0 + dx, y = y0 + dy, run = 0;
    while (x >= 0 && x < 8 && y >= 0 && y < 8 && board[y * 8 + x] === 2) { x += dx; y += dy; run++; }
    if (run && x >= 0 && x < 8 && y >= 0 && y < 8 && board[y * 8 + x] === 1) return true;
  }
  return false;
}

/** [the move the game plays (best-scoring legal square, -1 if none), the raw arg-max]. */
export function policyMove(m: Outs, board: Tensor): [number, number] {
  const s = f32(m, [...m.keys()][0]), b = board.data as Float32Array;
  let play = -1, top = 0;
  for (let i = 0; i < 64; i++) {
    if (s[i] > s[top]) top = i;
    if (legalMove(b, i) && (play < 0 || s[i] > s[play])) play = i;
  }
  return [play, top];
}

/** NanoDet-m's GFL decode (nanodet_onnx.py), boxes in input px. */
export function nanodetDets(m: Outs, w: number, h: number, conf = 0.35): Det[] {
  const cands: Det[] = [];
  for (const s of [8, 16, 32]) {
    const cls = f32(m, `cls_pred_stride_${s}`), dis = f32(m, `dis_pred_stride_${s}`);
    const gw = Math.ceil(w / s), n = cls.length / 80;
    for (let p = 0; p < n; p++) {
      let label = 0;
      for (let k = 1; k < 80; k++) if (cls[p * 80 + k] > cls[p * 80 + label]) label = k;
      const score = cls[p * 80 + label];
      if (!(score > conf)) continue;
      const d = [0, 1, 2, 3].map((side) => {
        const v = dis.subarray(p * 32 + side * 8, p * 32 + side * 8 + 8), mx = Math.max(...v);
        let z = 0, e = 0;
        for (let j = 0; j < 8; j++) { const q = Math.exp(v[j] - mx); z += q; e += q * j; }
        return (e / z) * s;
      });
      const cx = (p % gw) * s + 0.5 * (s - 1), cy = Math.floor(p / gw) * s + 0.5 * (s - 1);
      const box = [Math.max(0, cx - d[0]), Math.max(0, cy - d[1]), Math.min(w, cx + d[2]), Math.min(h, cy + d[3])];
      cands.push({ box, score, label, kp: [] });
    }
  }
  cands.sort((a, b) => b.score - a.score);
  const out: Det[] = [];
  for (const c of cands) if (out.every((o) => boxIou(o.box, c.box) <= 0.6)) out.push(c);
  return out;
}

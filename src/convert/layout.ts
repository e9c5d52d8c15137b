// Permutation algebra for the layout pass. A tensor's layout is a permutation `perm` with
// TFLite dim i = ONNX dim perm[i]: identity keeps the ONNX layout, [0,2,3,1] is NCHW → NHWC.

export type Perm = number[];

export function identity(rank: number): Perm {
  return Array.from({ length: rank }, (_, i) => i);
}

export function isIdentity(p: Perm): boolean {
  return p.every((v, i) => v === i);
}

/** Channel-last permutation for an ONNX channel-first tensor of the given rank: [0, 2, ..., r-1, 1]. */
export function channelLast(rank: number): Perm {
  if (rank < 3) return identity(rank);
  return [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
}

export function samePerm(a: Perm, b: Perm): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export function invert(p: Perm): Perm {
  const inv = new Array<number>(p.length);
  p.forEach((v, i) => { inv[v] = i; });
  return inv;
}

/** Applies a layout to ONNX-ordered dims: result[i] = dims[perm[i]]. */
export function permute<T>(dims: readonly T[], perm: Perm): T[] {
  return perm.map((p) => dims[p]);
}

/** The TFLite axis that holds ONNX axis `axis` (negative axes allowed) under `perm`. */
export function tflAxis(axis: number, perm: Perm): number {
  const a = axis < 0 ? axis + perm.length : axis;
  return perm.indexOf(a);
}

/** The TRANSPOSE `perm` argument that turns a tensor stored with layout `from` into layout `to`. */
export function transposeBetween(from: Perm, to: Perm): Perm {
  // out TFLite dim i holds ONNX dim to[i], which sits at TFLite dim from^-1[to[i]] of the input.
  const inv = invert(from);
  return to.map((d) => inv[d]);
}

/**
 * The layout holding `p`'s bytes (its non-unit dims in the same stored order) with each unit dim placed right after
 * the non-unit dim of lower ONNX index stored last (first when there is none): the unit dims where ONNX order has
 * them relative to their neighbours. A lazy order moving only unit dims gives ONNX order; FOMM's heatmap
 * [1, K, H, W, 1] stored [1, H, W, 1, K] gives [1, H, W, K, 1], whose product with a constant grid [1, 1, H, W, 2]
 * sums over H, W to keypoints [1, K, 2] in ONNX order.
 */
export function unitsInOnnxPlace(dims: readonly number[], p: Perm): Perm {
  const stored = p.filter((d) => dims[d] !== 1);
  const at = new Map(stored.map((d, i) => [d, i]));
  const after: number[][] = stored.map(() => []);
  const first: number[] = [];
  for (let u = 0; u < dims.length; u++) {
    if (dims[u] !== 1) continue;
    let best = -1;
    for (let d = 0; d < u; d++) if (at.has(d)) best = Math.max(best, at.get(d)!);
    (best < 0 ? first : after[best]).push(u);
  }
  return [...first, ...stored.flatMap((d, i) => [d, ...after[i]])];
}

/**
 * Row-major data order agrees between two layouts of one tensor when the non-unit dims appear in the same
 * relative order: then reshaping the TFLite tensor is the same as reshaping the ONNX one.
 */
export function sameMemoryOrder(dims: readonly number[], a: Perm, b: Perm): boolean {
  const order = (p: Perm) => p.filter((d) => dims[d] !== 1);
  const oa = order(a);
  const ob = order(b);
  return oa.length === ob.length && oa.every((v, i) => v === ob[i]);
}

/**
 * For a reshape from `inDims` to `outDims`, partitions both into groups of consecutive dims with equal products
 * (unit dims join a neighbouring group). Returns undefined when no such grouping exists (cannot happen for a
 * valid reshape, but guards against zero-sized dims).
 */
export function reshapeGroups(inDims: readonly number[], outDims: readonly number[]): { in: number[][]; out: number[][] } | undefined {
  const gi: number[][] = [];
  const go: number[][] = [];
  let i = 0;
  let o = 0;
  while (i < inDims.length || o < outDims.length) {
    const a: number[] = [];
    const b: number[] = [];
    let pa = 1;
    let pb = 1;
    if (i < inDims.length) { a.push(i); pa *= inDims[i++]; }
    if (o < outDims.length) { b.push(o); pb *= outDims[o++]; }
    while (pa !== pb) {
      if (pa < pb && i < inDims.length) { a.push(i); pa *= inDims[i++]; }
      else if (pb < pa && o < outDims.length) { b.push(o); pb *= outDims[o++]; }
      else return undefined;
    }
    // Trailing unit dims stay with this group.
    while (i < inDims.length && inDims[i] === 1 && !(o < outDims.length && outDims[o] === 1)) a.push(i++);
    while (o < outDims.length && outDims[o] === 1 && !(i < inDims.length && inDims[i] === 1)) b.push(o++);
    gi.push(a);
    go.push(b);
  }
  return { in: gi, out: go };
}

/**
 * Given a reshape and the input's layout, finds an output layout such that a plain TFLite RESHAPE of the
 * stored input gives the stored output. Works when the input layout moves whole reshape groups (each group's
 * non-unit dims contiguous and in order). Returns undefined otherwise (then the input must be transposed first).
 */
export function reshapeLayout(inDims: readonly number[], outDims: readonly number[], inPerm: Perm): Perm | undefined {
  if (isIdentity(inPerm)) return identity(outDims.length);
  const groups = reshapeGroups(inDims, outDims);
  if (!groups) return undefined;
  const groupOfIn = new Map<number, number>();
  groups.in.forEach((g, k) => g.forEach((d) => groupOfIn.set(d, k)));
  // Order of groups as they appear in the stored (TFLite) input, ignoring unit dims.
  const seq: number[] = [];
  const seenUnits: number[] = [];
  for (const d of inPerm) {
    if (inDims[d] === 1) { seenUnits.push(d); continue; }
    seq.push(d);
  }
  const groupOrder: number[] = [];
  let pos = 0;
  while (pos < seq.length) {
    const k = groupOfIn.get(seq[pos])!;
    const members = groups.in[k].filter((d) => inDims[d] !== 1);
    for (let j = 0; j < members.length; j++) {
      if (seq[pos + j] !== members[j]) return undefined;
    }
    groupOrder.push(k);
    pos += members.length;
  }
  // Groups that are all unit dims go where they were in ONNX order (any place is equivalent for data order).
  const placed = new Set(groupOrder);
  const allGroups = groups.in.map((_, k) => k);
  const finalOrder: number[] = [];
  let gi = 0;
  for (const k of allGroups) {
    if (placed.has(k)) { finalOrder.push(groupOrder[gi++]); } else finalOrder.push(k);
  }
  return finalOrder.flatMap((k) => groups.out[k]);
}

/**
 * A reshape whose channel-last output is its input's data in ONNX order (tf2onnx moves a one-channel NHWC input
 * [N, H, W, 1] to NCHW by a Reshape): the input keeps ONNX order, and the RESHAPE gives the channel-last output.
 */
export function reshapeKeepsOnnxInput(inDims: number[] | undefined, outDims: number[] | undefined): boolean {
  if (!inDims || !outDims || outDims.length < 3 || [...inDims, ...outDims].some((d) => typeof d !== 'number' || d < 0)) return false;
  const q = reshapeLayout(outDims, inDims, channelLast(outDims.length));
  return !!q && sameMemoryOrder(inDims, q, identity(inDims.length))
    && !(inDims.length >= 3 && sameMemoryOrder(inDims, q, channelLast(inDims.length)));
}

/**
 * A reshape that folds leading axes into the batch and keeps the channel and spatial dims after them ([N, T, C, H, W]
 * → [N·T, C, H, W], TSM's segments): the output's channels are not the input's axis 1, so channel-last for the output
 * is no channel-last for the input (it keeps C, H, W in place).
 */
export function reshapeFoldsIntoBatch(inDims: number[] | undefined, outDims: number[] | undefined): boolean {
  if (!inDims || !outDims || outDims.length < 3 || inDims.length <= outDims.length) return false;
  const tail = inDims.slice(inDims.length - outDims.length + 1);
  return tail.every((d, i) => d === outDims[i + 1] && d > 0) && inDims.slice(0, inDims.length - tail.length).reduce((a, d) => a * d, 1) === outDims[0];
}

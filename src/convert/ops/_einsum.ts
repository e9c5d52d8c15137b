// Einsum equations read into labelled operands: each operand's ONNX dims get one label each (an ellipsis becomes
// one label per dim it covers, numbered from the right so that shorter ellipses broadcast against longer ones), and
// the output gets its label list (implicit form: the ellipsis, then the labels used once, sorted).
import type { Refusal } from '../types';
import { refuse } from '../types';

export interface EinsumSpec {
  /** Labels of each operand's dims, in ONNX order (a label repeated in one term: later uses renamed, see diagonals). */
  terms: string[][];
  /** Per operand, [label, renamed repeat] pairs: the operand's diagonal over the two is taken first. */
  diagonals: [string, string][][];
  /** Labels of the output's dims, in ONNX order. */
  out: string[];
}

/** The label of ellipsis dim `i` counted from the right (0 = last); outside the letters ONNX allows. */
function ellipsisLabel(i: number): string {
  return String.fromCharCode(0x100 + i);
}

function expand(term: string, rank: number | undefined, eRank: number): string[] | string {
  const dots = term.indexOf('...');
  if (dots < 0) {
    if (!/^[A-Za-z]*$/.test(term)) return `term "${term}" has characters other than letters`;
    return [...term];
  }
  const before = term.slice(0, dots);
  const after = term.slice(dots + 3);
  if (!/^[A-Za-z]*$/.test(before + after)) return `term "${term}" has characters other than letters and one "..."`;
  const n = rank === undefined ? eRank : rank - before.length - after.length;
  if (n < 0) return `term "${term}" has more labels than its operand has dims`;
  return [...before, ...Array.from({ length: n }, (_, i) => ellipsisLabel(n - 1 - i)), ...after];
}

/** Parses `equation` for operands of the given ranks, or says why it cannot. */
export function parseEinsum(equation: string, ranks: number[]): EinsumSpec | Refusal {
  const eq = equation.replace(/\s/g, '');
  const arrow = eq.split('->');
  if (arrow.length > 2) return refuse('attribute', `Einsum equation "${equation}" has more than one "->"`);
  const lhs = arrow[0].split(',');
  if (lhs.length !== ranks.length) {
    return refuse('attribute', `Einsum equation "${equation}" names ${lhs.length} operands, the node has ${ranks.length}`);
  }
  const terms: string[][] = [];
  const diagonals: [string, string][][] = [];
  let fresh0 = 0;
  let eRank = 0;
  for (let t = 0; t < lhs.length; t++) {
    const labels = expand(lhs[t], ranks[t], 0);
    if (typeof labels === 'string') return refuse('attribute', `Einsum ${labels}`);
    if (labels.length !== ranks[t]) {
      return refuse('attribute', `Einsum term "${lhs[t]}" has ${labels.length} labels for an operand of rank ${ranks[t]}`);
    }
    const diag: [string, string][] = [];
    labels.forEach((l, i) => {
      if (labels.indexOf(l) === i) return;
      const fresh = String.fromCharCode(0x1000 + fresh0++);
      diag.push([l, fresh]);
      labels[i] = fresh;
    });
    diagonals.push(diag);
    eRank = Math.max(eRank, labels.filter((l) => l.charCodeAt(0) >= 0x100 && l.charCodeAt(0) < 0x1000).length);
    terms.push(labels);
  }
  let out: string[];
  if (arrow.length === 2) {
    const o = expand(arrow[1], undefined, eRank);
    if (typeof o === 'string') return refuse('attribute', `Einsum output ${o}`);
    out = o;
    if (new Set(out).size !== out.length) return refuse('attribute', `Einsum output "${arrow[1]}" repeats a label`);
    const known = new Set(terms.flat());
    const stray = out.find((l) => !known.has(l));
    if (stray !== undefined) return refuse('attribute', `Einsum output label "${stray}" is in no operand`);
  } else {
    const counts = new Map<string, number>();
    for (const l of lhs.join('').replace(/\.\.\./g, '')) counts.set(l, (counts.get(l) ?? 0) + 1);
    const once = [...counts].filter(([, n]) => n === 1).map(([l]) => l).sort();
    out = [...Array.from({ length: eRank }, (_, i) => ellipsisLabel(eRank - 1 - i)), ...once];
  }
  return { terms, diagonals, out };
}

/** The size of every label, or why the operands disagree (a label with two sizes; broadcasting a 1 is refused). */
export function labelSizes(spec: EinsumSpec, shapes: number[][]): Map<string, number> | Refusal {
  const size = new Map<string, number>();
  for (let t = 0; t < spec.terms.length; t++) {
    spec.terms[t].forEach((l, i) => {
      const d = shapes[t][i];
      const prev = size.get(l);
      if (prev === undefined) size.set(l, d);
      else if (prev !== d) size.set(l, -2);
    });
  }
  spec.diagonals.flat().forEach(([l, r]) => { if (size.get(l) !== size.get(r)) size.set(l, -2); });
  for (const [l, d] of size) {
    if (d === -2) {
      const name = l.charCodeAt(0) >= 0x100 ? 'an ellipsis dim' : `label "${l}"`;
      if (l.charCodeAt(0) >= 0x1000) continue;
      return refuse('unsupported', `Einsum operands disagree on the size of ${name} (broadcasting is not supported)`);
    }
  }
  return size;
}

export function isRefusal(x: unknown): x is Refusal {
  return typeof x === 'object' && x !== null && 'code' in x && 'message' in x;
}

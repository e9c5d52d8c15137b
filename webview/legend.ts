// The legend for the current colouring.
import { el } from './dom';
import type { ColorBy } from './host';

const LEGENDS: Record<ColorBy, [string, string][]> = {
  op: [['cat-conv', 'convolution'], ['cat-matmul', 'matmul / gemm'], ['cat-act', 'activation'], ['cat-pool', 'pooling / reduce'],
    ['cat-norm', 'normalization / quant'], ['cat-shape', 'shape / layout'], ['cat-other', 'other'], ['cat-group', 'collapsed scope']],
  compat: [['st-builtin', 'TFLite builtin'], ['st-flex', 'needs Flex'], ['st-unsupported', 'unsupported'], ['st-folded', 'folded away']],
  accuracy: [['heat-low', 'rel. error ≤ 1e-7'], ['heat-mid', '≈ 1e-4'], ['heat-high', '≥ 1e-1']],
};

export function showLegend(box: HTMLElement, colorBy: ColorBy, hasCompat: boolean, hasAccuracy: boolean): void {
  const mode: ColorBy = (colorBy === 'compat' && !hasCompat) || (colorBy === 'accuracy' && !hasAccuracy) ? 'op' : colorBy;
  box.replaceChildren(...LEGENDS[mode].map(([cls, text]) => el('div', { class: 'legend-row' }, el('span', { class: `swatch ${cls}` }), text)));
}

// Activation grids jittered (issue #13): now src/quantize/grid-jitter.ts (the int8 pass's choices average over
// jittered grids); re-exported for rec-int8-front.ts' `"jitter"` variants and rec-int8-chaos.ts.
export { jittered } from '../src/quantize/grid-jitter';

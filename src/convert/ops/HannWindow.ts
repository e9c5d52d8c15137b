// ONNX HannWindow: 0.5 - 0.5·cos(2πn/N), a constant (see _window.ts).
import { windowOp } from './_window';

export default windowOp('HannWindow', (n, N) => 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / N));

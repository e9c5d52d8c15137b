// ONNX HammingWindow: 25/46 - 21/46·cos(2πn/N), a constant (see _window.ts).
import { windowOp } from './_window';

export default windowOp('HammingWindow', (n, N) => 25 / 46 - (21 / 46) * Math.cos((2 * Math.PI * n) / N));

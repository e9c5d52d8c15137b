// ONNX BlackmanWindow: 0.42 - 0.5·cos(2πn/N) + 0.08·cos(4πn/N), a constant (see _window.ts).
import { windowOp } from './_window';

export default windowOp('BlackmanWindow', (n, N) => 0.42 - 0.5 * Math.cos((2 * Math.PI * n) / N) + 0.08 * Math.cos((4 * Math.PI * n) / N));

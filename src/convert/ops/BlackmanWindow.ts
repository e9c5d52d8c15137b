// ONNX BlackmanWindow: 0.42 - 0.5·cos(2πn/N) + 0.08·cos(4πn/N) (see _window.ts).
import { windowOp } from './_window';

export default windowOp('BlackmanWindow', [0.42, -0.5, 0.08]);

// ONNX HannWindow: 0.5 - 0.5·cos(2πn/N) (see _window.ts).
import { windowOp } from './_window';

export default windowOp('HannWindow', [0.5, -0.5]);

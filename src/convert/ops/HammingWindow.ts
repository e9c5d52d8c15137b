// ONNX HammingWindow: 25/46 - 21/46·cos(2πn/N) (see _window.ts).
import { windowOp } from './_window';

export default windowOp('HammingWindow', [25 / 46, -21 / 46]);

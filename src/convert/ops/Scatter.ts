// ONNX Scatter (opsets 9–10; ScatterElements' old name) → the ScatterElements converter.
import type { OpConverter } from '../types';
import ScatterElements from './ScatterElements';

const Scatter: OpConverter = { ...ScatterElements, op: 'Scatter', opset: [9, 10] };
export default Scatter;

// ONNX Upsample (opsets 7–9; Resize's predecessor, asymmetric coordinates, floor for nearest) → the Resize
// converter's TFLite RESIZE_BILINEAR / RESIZE_NEAREST_NEIGHBOR.
import type { OpConverter } from '../types';
import Resize from './Resize';

const Upsample: OpConverter = { ...Resize, op: 'Upsample', opset: [7, 9] };
export default Upsample;

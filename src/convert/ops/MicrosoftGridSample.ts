// com.microsoft GridSample (onnxruntime's contrib op from before ONNX opset 16, which exporters still write): ONNX's
// GridSample under another domain, converted the same way (bilinear or nearest; bicubic refused).
import GridSample from './GridSample';
import { underMicrosoft } from './_microsoft';

export default underMicrosoft(GridSample);

// com.microsoft Trilu (onnxruntime's contrib op from before ONNX opset 14): ONNX's Trilu under another domain.
import Trilu from './Trilu';
import { underMicrosoft } from './_microsoft';

export default underMicrosoft(Trilu);

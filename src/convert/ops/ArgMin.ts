// ONNX ArgMin → TFLite ARG_MIN (keepdims via RESHAPE, select_last_index via REVERSE_V2).
import { argMinMax } from './_argminmax';

export default argMinMax('ArgMin', 'ARG_MIN');

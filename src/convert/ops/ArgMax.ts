// ONNX ArgMax → TFLite ARG_MAX (keepdims via RESHAPE, select_last_index via REVERSE_V2).
import { argMinMax } from './_argminmax';

export default argMinMax('ArgMax', 'ARG_MAX');

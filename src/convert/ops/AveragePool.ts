// ONNX AveragePool → TFLite AVERAGE_POOL_2D (count_include_pad=1 pads through PAD).
import { pool } from './_pool';

export default pool('AveragePool', 'AVERAGE_POOL_2D');

// ONNX MaxPool → TFLite MAX_POOL_2D (explicit or ceil-mode pads through PADV2 with -FLT_MAX).
import { pool } from './_pool';

export default pool('MaxPool', 'MAX_POOL_2D');

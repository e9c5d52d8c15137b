// ONNX Unsqueeze → TFLite RESHAPE to the inferred static shape (in the stored layout when data order allows); axes
// computed at run time are warned about (_runtime-axes.ts).
import { reshapeLike } from './_reshape';
import { warnRuntimeAxes } from './_runtime-axes';

export default warnRuntimeAxes(reshapeLike('Unsqueeze'));

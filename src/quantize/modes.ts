// The one table of conversion modes (float32 and the quantization modes). Read by the CLI (`--quantize` values and
// output suffixes, src/cli/quantize-options.ts), the worker's convert job (src/worker/jobs.ts), the VS Code command's
// picker and output name (src/extension/commands.ts), the defaultQuantization setting (src/extension/settings.ts)
// and the manifest's enum for it (package.json; test/quantize/modes.test.ts checks that they agree). Data only, so
// the extension host can import it: each mode's pass is QUANT_PASSES in src/quantize/file.ts, keyed by these ids.

export interface QuantModeSpec {
  /** The CLI's `--quantize` value, the worker's and the setting's name for it ('float32': no quantization). */
  id: 'float32' | 'fp16' | 'dynamic' | 'int8';
  /** Short name in the VS Code picker. */
  label: string;
  /** One line on what it does (picker detail, setting description). */
  detail: string;
  /** Added to the model's name for the output file: MODEL<suffix>.tflite. */
  suffix: string;
  /** Activation ranges come from calibration samples (a folder, or random data with a warning). */
  needsCalibration: boolean;
}

export const QUANT_MODES = [
  { id: 'float32', label: 'float32', detail: 'No quantization: the reference conversion', suffix: '', needsCalibration: false },
  { id: 'fp16', label: 'float16', detail: 'Half-size float16 weights', suffix: '_fp16', needsCalibration: false },
  { id: 'dynamic', label: 'dynamic int8', detail: 'int8 weights, float activations (dynamic-range quantization)', suffix: '_dynamic', needsCalibration: false },
  { id: 'int8', label: 'full int8', detail: 'int8 weights and activations; needs a calibration folder', suffix: '_int8', needsCalibration: true },
] as const satisfies readonly QuantModeSpec[];

/** Every mode's id, float32 included. */
export type ConvertMode = QuantModeSpec['id'];
/** The quantization modes (`--quantize` values). */
export type QuantMode = Exclude<ConvertMode, 'float32'>;

export function quantMode(id: ConvertMode): QuantModeSpec {
  return QUANT_MODES.find((m) => m.id === id)!;
}

/** The `--quantize` values, in table order. */
export const QUANTIZE_VALUES: readonly QuantMode[] = QUANT_MODES.map((m) => m.id).filter((id): id is QuantMode => id !== 'float32');

export function isConvertMode(v: unknown): v is ConvertMode {
  return QUANT_MODES.some((m) => m.id === v);
}

/** Where a conversion of `onnx` in this mode goes by default: MODEL<suffix>.tflite next to it. */
export function convertedPath(onnx: string, id: ConvertMode): string {
  return `${onnx.replace(/\.onnx$/i, '')}${quantMode(id).suffix}.tflite`;
}

/** Suffixes older onnx2lite versions' VS Code command wrote (_float16, _dynamic_int8): still recognised when a
 *  .tflite's source model is guessed from its name. */
const LEGACY_SUFFIXES = ['_float16', '_dynamic_int8'];

/** The ONNX model a converted file's name points to: MODEL<suffix>.tflite → MODEL.onnx. */
export function sourceModelOf(tflite: string): string {
  const suffixes = [...LEGACY_SUFFIXES, ...QUANT_MODES.map((m) => m.suffix).filter((s) => s)]
    .sort((a, b) => b.length - a.length).map((s) => s.replace(/[^A-Za-z0-9_]/g, '\\$&'));
  return tflite.replace(new RegExp(`(${suffixes.join('|')})?\\.tflite$`, 'i'), '.onnx');
}

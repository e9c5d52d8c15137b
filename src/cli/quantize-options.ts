// The `--quantize` family of `onnx2lite convert` flags (parsed here so the convert command stays small).
import { UsageError, imageFlags } from './command';
import type { QuantizeOptions } from '../quantize/file';
import type { WeightRounding } from '../quantize/weight-rounding';
import type { Int16Mode } from '../quantize/mixed-precision';
import { QUANTIZE_VALUES, type QuantMode } from '../quantize/modes';

export const QUANTIZE_USAGE = `  --quantize MODE          fp16 (float16 weights), dynamic (int8 weights) or int8 (full integer); writes
                           MODEL_<MODE>.tflite unless -o / --out-dir say otherwise
  --calibration DIR        int8: calibration samples (.npy / .pb files, one sample or a batch each; .png / .jpg
                           images; .wav audio, resampled to --sample-rate and cut to the input's length; or one
                           subfolder per sample with input_0.pb ... for several inputs)
  --sample-rate HZ         .wav calibration: the model's sample rate (default 16000)
  --calibration-count N    int8: use at most N samples (default: all; 16 random ones without --calibration)
  --calibration-method M   int8: minmax, percentile (99.99%) or mse (least int8 error per tensor) ranges (default:
                           minmax; percentile and mse too when plain int8 scores under cosine 0.96, the closest
                           one to onnxruntime is used)
  --mean A[,B,C]           images: subtract after scaling to [0, 1] (per channel)
  --std A[,B,C]            images: divide by after subtracting the mean
  --channel-order rgb|bgr  images: channel order the model was trained on (default rgb; bgr for OpenCV-fed models)
  --bias-correction        int8: shift each conv / fully connected bias by the mean error its int8 input causes
                           on the calibration samples (off by default: on PaddleOCR det it lowered mask IoU)
  --sequential-bias        int8: fit each conv / fully connected bias, layer by layer, against the int8 model's
                           own upstream on the calibration samples (all but 8, 4 to 16), kept when the other 8 do
                           better (off by default: PaddleOCR det / cls not yet measured with it)
  --equalize               int8: cross-layer equalization of depthwise -> conv pairs before calibration (off by
                           default: it helped BlazeFace, on PaddleOCR det it lowered the worst mask IoU)
  --per-tensor             int8 / dynamic: one weight scale per tensor instead of per output channel
  --int8-io                int8: int8 model inputs and outputs instead of float32 ones
  --weight-rounding R      int8: gptq (conv / depthwise / fully connected weights rounded so that their error
                           cancels on the calibration inputs, biases corrected for the mean shift) or nearest
                           (plain round to nearest). Default: nearest where plain int8 with it already reaches
                           cosine 0.9975 (half the search's margin to 1), else gptq; under cosine 0.96 GPTQ is
                           kept only when it scores at least as well as nearest
  --int16 M                int8: auto (default: when plain int8 keeps the output cosine on the calibration samples
                           under 0.995, the ops around the activations whose int8 rounding alone changes the
                           output most stay float32 (or 16x8 where float weights do not fit), most sensitive
                           first, until it is reached, within 35% of the float32 size), off (int8 everywhere,
                           e.g. for TFLite Micro builds without int16 kernels) or all (every op with a 16x8 kernel)
  --min-cosine C           int8: the accuracy guard (default 0.99): when the model's worst output cosine against
                           onnxruntime on the calibration samples is below C, convert names the layers to blame,
                           writes nothing and exits 1; fp16 / dynamic: the same bar on the self-check's inputs
  --allow-degraded         int8, fp16, dynamic: write the model even when it misses --min-cosine (with a warning); float32: write
                           it even when the self-check's cosine is under 0.99 (beyond max rel error 1e-2 or
                           cosine 0.999 the self-check says NOT verified and warns; under 0.99 nothing is written)
  --search-time S          int8: budget of the accuracy search (--int16 auto) in seconds of estimated work on an idle
                           machine (default 600; the same file at any load): past it the best model measured so far
                           is used, with a warning (the guard still applies)
  --progress               int8: print what runs now on stderr (calibration, each step of the accuracy search),
                           also when stderr is not a terminal (on a terminal it is printed anyway); Ctrl-C stops
                           the run and writes nothing`;

export const quantizeFlags = {
  quantize: { type: 'string' },
  calibration: { type: 'string' },
  'calibration-count': { type: 'string' },
  'calibration-method': { type: 'string' },
  mean: { type: 'string' },
  std: { type: 'string' },
  'channel-order': { type: 'string' },
  'per-tensor': { type: 'boolean' },
  'int8-io': { type: 'boolean' },
  'weight-rounding': { type: 'string' },
  'bias-correction': { type: 'boolean' },
  equalize: { type: 'boolean' },
  'sequential-bias': { type: 'boolean' },
  int16: { type: 'string' },
  'min-cosine': { type: 'string' },
  'sample-rate': { type: 'string' },
  'allow-degraded': { type: 'boolean' },
  progress: { type: 'boolean' },
  'search-time': { type: 'string' },
} as const;

export function quantizeOptions(values: Record<string, unknown>): QuantizeOptions | undefined {
  const mode = values.quantize as string | undefined;
  const int8Only = ['calibration', 'calibration-count', 'calibration-method', 'mean', 'std', 'channel-order', 'int8-io', 'weight-rounding', 'bias-correction', 'equalize', 'sequential-bias', 'int16', 'min-cosine', 'allow-degraded', 'sample-rate', 'progress', 'search-time'].filter((k) => values[k] !== undefined);
  if (mode === undefined) {
    const any = [...int8Only.filter((k) => k !== 'allow-degraded'), ...(values['per-tensor'] !== undefined ? ['per-tensor'] : [])];
    if (any.length) throw new UsageError(`--${any[0]} needs --quantize`);
    return undefined;
  }
  if (!QUANTIZE_VALUES.includes(mode as QuantMode)) {
    const list = `${QUANTIZE_VALUES.slice(0, -1).join(', ')} or ${QUANTIZE_VALUES[QUANTIZE_VALUES.length - 1]}`;
    throw new UsageError(`--quantize takes ${list}, not "${mode}"`);
  }
  // fp16 / dynamic are judged on the self-check too (weight-only-guard.ts): --min-cosine and --allow-degraded apply.
  const intOnly = mode === 'int8' ? [] : int8Only.filter((k) => k !== 'min-cosine' && k !== 'allow-degraded');
  if (intOnly.length) throw new UsageError(`--${intOnly[0]} applies to --quantize int8 only`);
  const method = values['calibration-method'] as string | undefined;
  if (method !== undefined && method !== 'minmax' && method !== 'percentile' && method !== 'mse') {
    throw new UsageError(`--calibration-method takes minmax, percentile or mse, not "${method}"`);
  }
  const rounding = values['weight-rounding'] as string | undefined;
  if (rounding !== undefined && rounding !== 'gptq' && rounding !== 'nearest') {
    throw new UsageError(`--weight-rounding takes gptq or nearest, not "${rounding}"`);
  }
  const int16 = values.int16 as string | undefined;
  if (int16 !== undefined && int16 !== 'auto' && int16 !== 'off' && int16 !== 'all') {
    throw new UsageError(`--int16 takes auto, off or all, not "${int16}"`);
  }
  const countText = values['calibration-count'] as string | undefined;
  const count = countText === undefined ? undefined : Number(countText);
  if (count !== undefined && !(Number.isInteger(count) && count > 0)) throw new UsageError(`--calibration-count takes a positive integer, not "${countText}"`);
  const minText = values['min-cosine'] as string | undefined;
  const minCosine = minText === undefined ? undefined : Number(minText);
  if (minCosine !== undefined && !(minText!.trim() !== '' && minCosine >= -1 && minCosine <= 1)) throw new UsageError(`--min-cosine takes a number from -1 to 1, not "${minText}"`);
  const rateText = values['sample-rate'] as string | undefined;
  const sampleRate = rateText === undefined ? undefined : Number(rateText);
  if (sampleRate !== undefined && !(Number.isInteger(sampleRate) && sampleRate > 0)) throw new UsageError(`--sample-rate takes a positive integer (Hz), not "${rateText}"`);
  const searchText = values['search-time'] as string | undefined;
  const searchSeconds = searchText === undefined ? undefined : Number(searchText);
  if (searchSeconds !== undefined && !(searchText!.trim() !== '' && searchSeconds >= 0 && Number.isFinite(searchSeconds))) {
    throw new UsageError(`--search-time takes a number of seconds (0 or more), not "${searchText}"`);
  }
  const { mean, std, channelOrder } = imageFlags(values);
  return {
    mode: mode as QuantMode, calibration: values.calibration as string | undefined, count, method, mean, std,
    ...(channelOrder ? { channelOrder } : {}),
    perTensor: !!values['per-tensor'], int8Io: !!values['int8-io'],
    ...(rounding ? { weightRounding: rounding as WeightRounding } : {}),
    ...(int16 ? { int16: int16 as Int16Mode } : {}),
    ...(minCosine !== undefined ? { minCosine } : {}),
    ...(values['allow-degraded'] ? { allowDegraded: true } : {}),
    ...(values['bias-correction'] ? { biasCorrection: true } : {}),
    ...(values.equalize ? { equalize: true } : {}),
    ...(values['sequential-bias'] ? { sequentialBias: true } : {}),
    ...(sampleRate !== undefined ? { sampleRate } : {}),
    ...(searchSeconds !== undefined ? { searchSeconds } : {}),
  };
}

// `onnx2lite convert MODEL.onnx [MORE.onnx ...] [-o OUT.tflite | --out-dir DIR] [--input-shape name=dims]
//  [--keep-nchw] [--quantize fp16|dynamic|int8 ...] [--no-verify] [--json]`
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { convertFileVerified, defaultOutputPath } from '../../core/convert-file';
import { verificationJson, verificationLine } from '../../core/verify';
import { Command, UsageError, parseInputShapes, parseInputValues } from '../command';
import { QuantizeOptions, quantizeFile } from '../../quantize/file';
import { quantizeFlags, quantizeOptions, QUANTIZE_USAGE } from '../quantize-options';
import { quantMode } from '../../quantize/modes';
import { ConvertError } from '../../convert/types';
import { oneLine } from '../../ir/errors';

export const convert: Command = {
  summary: 'convert ONNX models to TFLite (float32, or float16 / int8 with --quantize), written next to each model',
  usage: `Usage: onnx2lite convert MODEL.onnx [MORE.onnx ...] [-o OUT.tflite | --out-dir DIR] [options]

  -o, --output FILE        output file (one model only; default: MODEL.tflite next to the model)
  --out-dir DIR            folder for the outputs (several models)
  --input-shape NAME=DIMS  fix a dynamic input's dims, e.g. --input-shape images=1,3,640,640 (repeatable)
  --input-value NAME=V,... freeze an input to a constant so what depends on it folds, e.g. --input-value sr=16000;
                           it leaves the converted model's inputs (repeatable)
  --keep-nchw              keep ONNX's channel-first layout at the model's inputs and outputs
${QUANTIZE_USAGE}
  --no-verify              skip the self-check (by default the output is loaded and run in LiteRT beside onnxruntime
                           on seeded inputs before it is written; a model LiteRT cannot run is refused)
  --json                   print {"models":[{source, output, bytes, opHistogram, transposeCount, warnings, ms,
                           verification: {maxRel, cosine, ms, degraded?, seeds}}]}
                           (with --quantize also quantization: {mode, floatBytes, calibrationSamples, ...})`,
  async run(args) {
    const { values, positionals } = parseArgs({
      args, allowPositionals: true,
      options: {
        output: { type: 'string', short: 'o' },
        'out-dir': { type: 'string' },
        'input-shape': { type: 'string', multiple: true },
        'input-value': { type: 'string', multiple: true },
        'keep-nchw': { type: 'boolean' },
        'no-verify': { type: 'boolean' },
        json: { type: 'boolean' },
        ...quantizeFlags,
      },
    });
    if (positionals.length === 0) throw new UsageError('convert needs at least one .onnx model');
    if (values.output && positionals.length > 1) throw new UsageError('-o names one output file; use --out-dir with several models');
    if (values.output && values['out-dir']) throw new UsageError('use either -o or --out-dir, not both');
    const outDir = values['out-dir'];
    if (outDir && !fs.existsSync(outDir)) throw new UsageError(`--out-dir ${outDir} does not exist`);
    const inputShapes = parseInputShapes(values['input-shape']);
    const inputValues = parseInputValues(values['input-value']);
    const quant: QuantizeOptions | undefined = quantizeOptions(values);
    const results: object[] = [];
    let failed = 0;
    for (const model of positionals) {
      const output = values.output ?? defaultOutputPath(model, outDir, quantMode(quant?.mode ?? 'float32').suffix);
      try {
        const copts = { inputShapes, inputValues, keepNchw: !!values['keep-nchw'] };
        const verify = !values['no-verify'];
        // int8 runs for minutes on big models: what runs now goes to stderr (on a terminal, or asked for).
        const progress = quant?.mode === 'int8' && (values.progress || process.stderr.isTTY)
          ? { onProgress: (p: { message: string }) => { process.stderr.write(`onnx2lite: ${path.basename(model)}: ${oneLine(p.message)}\n`); } } : {};
        const r = quant ? await quantizeFile(model, output, copts, { ...quant, ...progress }, verify) : await convertFileVerified(model, output, copts, verify, undefined, !!values['allow-degraded']);
        const { result: _r, tflite: _t, verification, ...summary } = r;
        results.push(verification ? { ...summary, verification: verificationJson(verification) } : summary);
        if (!values.json) {
          process.stdout.write(`${model} → ${r.output} (${(r.bytes / 1024).toFixed(1)} KiB, ${Object.values(r.opHistogram).reduce((a, b) => a + b, 0)} ops, ${r.transposeCount} TRANSPOSE, ${r.ms} ms)\n`);
          if ('quantization' in r) {
            const q = (r as Awaited<ReturnType<typeof quantizeFile>>).quantization;
            process.stdout.write(`  ${q.mode}: ${((100 * r.bytes) / q.floatBytes).toFixed(1)}% of the float32 size${q.calibrationSamples ? `, ${q.calibrationSamples} calibration samples (${q.calibrationSource})` : ''}`
              + `${q.task ? `; ${q.task.kind === 'argmax' ? 'arg-max agreement' : 'mask IoU'} ${q.task.agreement.toFixed(4)} with float32 on ${q.task.samples} of them` : ''}\n`);
          }
          if (verification) process.stdout.write(`  ${verificationLine(verification)}\n`);
          for (const w of r.warnings) process.stdout.write(`  warning: ${w}\n`);
        }
      } catch (e) {
        failed++;
        const message = (e as Error).message;
        // A refusal's code (RefusalCode: no-converter, custom-domain, opset, ...) beside its line.
        results.push({ source: model, error: message, ...(e instanceof ConvertError ? { code: e.code } : {}) });
        if (positionals.length === 1 && !values.json) throw e;
        process.stderr.write(`onnx2lite: ${model}: ${oneLine(message)}\n`);
      }
    }
    if (values.json) process.stdout.write(JSON.stringify({ models: results }) + '\n');
    return failed ? 1 : 0;
  },
};

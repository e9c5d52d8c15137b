// `onnx2lite inspect MODEL.onnx|MODEL.tflite [--json] [--input-shape name=dims ...]`
import { parseArgs } from 'node:util';
import { readModelFile } from '../../onnx/reader';
import { inferShapes } from '../../ir/shapes/index';
import { formatSummary, summarize } from '../../core/summary';
import { analyzeCompatibility, formatCompatSummary } from '../../convert/compat';
import { formatTfliteSummary, isTfliteFile, summarizeTfliteFile } from '../../tflite/summary';
import { Command, UsageError, parseInputShapes, parseInputValues } from '../command';
import { freezeInputs } from '../../convert/input-values';

export const inspect: Command = {
  summary: 'print a model\'s producer, opsets, inputs/outputs, op histogram and parameter count',
  usage: `Usage: onnx2lite inspect MODEL.onnx|MODEL.tflite [--json] [--input-shape name=d0,d1,...]...

  --json                 print one JSON object (stable interface)
  --input-shape NAME=DIMS  fix a dynamic input's dims (repeatable)
  --input-value NAME=V,... freeze an input to a constant so what depends on it folds, e.g. sr=16000 (repeatable)
  --compat               also check every node against the converter: TFLite builtin / needs Flex /
                         unsupported (with the reason and the fix), int8 path, TFLite Micro kernels
                         (in --json: a "compatibility" field)`,
  async run(args) {
    const { values, positionals } = parseArgs({
      args, allowPositionals: true,
      options: { json: { type: 'boolean' }, 'input-shape': { type: 'string', multiple: true }, 'input-value': { type: 'string', multiple: true }, compat: { type: 'boolean' } },
    });
    if (positionals.length !== 1) throw new UsageError('inspect takes exactly one model file');
    if (isTfliteFile(positionals[0])) { // told apart by content ("TFL3"), not by extension
      if (values['input-shape'] || values['input-value'] || values.compat) throw new UsageError('--input-shape, --input-value and --compat apply to ONNX models, not .tflite files');
      const t = summarizeTfliteFile(positionals[0]);
      process.stdout.write(values.json ? JSON.stringify(t) + '\n' : formatTfliteSummary(t) + '\n');
      return 0;
    }
    const inputShapes = parseInputShapes(values['input-shape']);
    const inputValues = parseInputValues(values['input-value']);
    const read = readModelFile(positionals[0]);
    const model = inputValues.size ? freezeInputs(read, inputValues, inputShapes) : read;
    const { warnings } = inferShapes(model, { inputShapes });
    const s = summarize(model, warnings);
    if (!values.compat) {
      process.stdout.write(values.json ? JSON.stringify(s) + '\n' : formatSummary(s) + '\n');
      return 0;
    }
    const compat = analyzeCompatibility(readModelFile(positionals[0]), { inputShapes, inputValues });
    if (values.json) {
      process.stdout.write(JSON.stringify({ ...s, compatibility: compat }) + '\n');
      return 0;
    }
    const lines = [formatSummary(s), `Compatibility: ${formatCompatSummary(compat)}`];
    for (const i of compat.modelIssues) lines.push(`  model: ${i.message}${i.fix ? ` — ${i.fix}` : ''}`);
    for (const n of compat.nodes) {
      if (n.status !== 'builtin') lines.push(`  ${n.status.padEnd(11)} ${n.node} (${n.opType}): ${n.reason}${n.fix ? ` — ${n.fix}` : ''}`);
    }
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  },
};

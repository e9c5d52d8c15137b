// `onnx2lite inspect MODEL.onnx|MODEL.tflite [--json] [--input-shape name=dims ...]`
import { parseArgs } from 'node:util';
import { readModelFile } from '../../onnx/reader';
import { inferShapes } from '../../ir/shapes/index';
import { formatSummary, summarize } from '../../core/summary';
import { formatTfliteSummary, isTfliteFile, summarizeTfliteFile } from '../../tflite/summary';
import { Command, UsageError, parseInputShapes } from '../command';

export const inspect: Command = {
  summary: 'print a model\'s producer, opsets, inputs/outputs, op histogram and parameter count',
  usage: `Usage: onnx2lite inspect MODEL.onnx|MODEL.tflite [--json] [--input-shape name=d0,d1,...]...

  --json                 print one JSON object (stable interface)
  --input-shape NAME=DIMS  fix a dynamic input's dims (repeatable)`,
  async run(args) {
    const { values, positionals } = parseArgs({
      args, allowPositionals: true,
      options: { json: { type: 'boolean' }, 'input-shape': { type: 'string', multiple: true } },
    });
    if (positionals.length !== 1) throw new UsageError('inspect takes exactly one model file');
    if (isTfliteFile(positionals[0])) { // told apart by content ("TFL3"), not by extension
      const t = summarizeTfliteFile(positionals[0]);
      process.stdout.write(values.json ? JSON.stringify(t) + '\n' : formatTfliteSummary(t) + '\n');
      return 0;
    }
    const inputShapes = parseInputShapes(values['input-shape']);
    const model = readModelFile(positionals[0]);
    const { warnings } = inferShapes(model, { inputShapes });
    const s = summarize(model, warnings);
    process.stdout.write(values.json ? JSON.stringify(s) + '\n' : formatSummary(s) + '\n');
    return 0;
  },
};

// `onnx2lite compare MODEL.onnx MODEL.tflite [--inputs DIR] [--json OUT.json] [--html OUT.html]
//  [--float MODEL_float.tflite] [--all]`
import { parseArgs } from 'node:util';
import { checkOutputPath, writeFileAtomic } from '../../core/atomic';
import { compareModels } from '../../compare/compare';
import { reportHtml, reportJson } from '../../compare/report-files';
import { reportText } from '../../compare/table';
import type { CompareProgress } from '../../compare/types';
import { Command, UsageError, imageFlags, parseInputValues } from '../command';

export const compare: Command = {
  summary: 'per-layer accuracy of a .tflite against its ONNX model (onnxruntime vs LiteRT)',
  usage: `Usage: onnx2lite compare MODEL.onnx MODEL.tflite [--inputs DIR] [--json OUT.json] [--html OUT.html] [options]

  --inputs DIR             input tensors (.pb or .npy, matched by name, else in name order; input_N files of an ONNX
                           test_data_set folder; or one .png/.jpg for an image model, resized to the input and
                           scaled to [0, 1]); default: seeded random
  --input-value NAME=V,... give an input these values instead of random or file data, e.g. --input-value sr=16000
                           (repeatable; inputs frozen at conversion get their recorded values by themselves)
  --mean A[,B,C]           image input: subtract after scaling to [0, 1] (per channel)
  --std A[,B,C]            image input: divide by after subtracting the mean
  --channel-order rgb|bgr  image input: channel order the model was trained on (default rgb)
  --json FILE              write the report as JSON ({layers, firstDivergence, outputs, ...})
  --html FILE              write a self-contained HTML report
  --float FILE             the float32 sibling of a quantized MODEL.tflite: split the error into conversion and
                           quantization stages (default: the ONNX model is converted in memory)
  --all                    print every layer (long tables are folded around the layers that matter)`,
  async run(args) {
    const { values, positionals } = parseArgs({
      args, allowPositionals: true,
      options: {
        inputs: { type: 'string' },
        'input-value': { type: 'string', multiple: true },
        json: { type: 'string' },
        html: { type: 'string' },
        float: { type: 'string' },
        all: { type: 'boolean' },
        mean: { type: 'string' },
        std: { type: 'string' },
        'channel-order': { type: 'string' },
      },
    });
    if (positionals.length !== 2) throw new UsageError('compare needs MODEL.onnx and MODEL.tflite');
    const [onnx, tflite] = positionals as [string, string];
    const image = imageFlags(values);
    if (!/\.onnx$/i.test(onnx) && /\.onnx$/i.test(tflite)) throw new UsageError('give the .onnx model first, then the .tflite');
    const given = [onnx, tflite, ...(values.float ? [values.float] : [])];
    const json = values.json ? checkOutputPath(values.json, given) : undefined;
    const html = values.html ? checkOutputPath(values.html, given) : undefined;
    // Progress on one rewritten stderr line, on a terminal only.
    const tty = process.stderr.isTTY === true;
    const onProgress = (p: CompareProgress) => {
      if (tty && p.message) process.stderr.write(`\r\x1b[K${p.phase === 'done' ? '' : p.message}`);
    };
    const report = await compareModels(onnx, tflite, { inputsDir: values.inputs, floatTflite: values.float, image, inputValues: parseInputValues(values['input-value']) }, onProgress);
    if (json) writeFileAtomic(json, new TextEncoder().encode(reportJson(report)));
    if (html) writeFileAtomic(html, new TextEncoder().encode(reportHtml(report)));
    process.stdout.write(reportText(report, !!values.all));
    return 0;
  },
};

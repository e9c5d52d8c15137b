// `onnx2lite micro MODEL.tflite [--out-dir DIR] [--name NAME] [--json]`: C++ sources for TensorFlow Lite for
// Microcontrollers (src/micro/).
import { parseArgs } from 'node:util';
import type { MicroAnalysis } from '../../micro/analyze';
import { exportMicro, type MicroExportResult } from '../../micro/export';
import { Command, UsageError } from '../command';

export const micro: Command = {
  summary: 'write a .tflite as C++ for TensorFlow Lite Micro: model array, exact op resolver, arena estimate',
  usage: `Usage: onnx2lite micro MODEL.tflite [--out-dir DIR] [--name NAME] [--target-bits 32|64] [--json]

Writes NAME_model_data.h / NAME_model_data.cc (the model as alignas(16) const unsigned char g_NAME_model_data[]
and g_NAME_model_data_len) and NAME_op_resolver.h (a tflite::MicroMutableOpResolver with exactly the model's
builtin ops and RegisterNAMEOps()), with a tensor-arena size estimate. Refuses models TFLite Micro cannot run
(ops without a TFLM kernel, custom ops, dynamic shapes, float16, 16x8 ops without a TFLM kernel).

  --out-dir DIR   folder for the sources (default: the model's folder)
  --name NAME     C identifier for file and symbol names (default: the model's base name)
  --target-bits N size the tensor arena for a 32-bit target (microcontrollers, the default) or a 64-bit one
                  (x86-64 hosts, 64-bit Cortex-A): TFLM's records hold pointers
  --json          print {source, files, opResolver: {ops, count}, arenaEstimateBytes, bytes,
                  arena: {targetBits, kernels}}`,
  async run(args) {
    const { values, positionals } = parseArgs({
      args, allowPositionals: true,
      options: { 'out-dir': { type: 'string' }, name: { type: 'string' }, 'target-bits': { type: 'string' }, json: { type: 'boolean' } },
    });
    const bits = values['target-bits'] ?? '32';
    if (bits !== '32' && bits !== '64') throw new UsageError(`--target-bits takes 32 or 64, not "${bits}"`);
    if (positionals.length !== 1) throw new UsageError('micro takes exactly one .tflite file');
    if (values.name !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(values.name)) {
      throw new UsageError(`--name "${values.name}" is not a C identifier (letters, digits, _; not starting with a digit)`);
    }
    const { result, analysis } = exportMicro(positionals[0], { outDir: values['out-dir'], name: values.name, targetBits: bits === '64' ? 64 : 32 });
    for (const n of analysis.notes) process.stderr.write(`note: ${n}\n`);
    if (values.json) {
      process.stdout.write(JSON.stringify(result) + '\n');
      return 0;
    }
    process.stdout.write(formatMicro(result, analysis) + '\n');
    return 0;
  },
};

function formatMicro(result: MicroExportResult, analysis: MicroAnalysis): string {
  const a = analysis.arena;
  return [
    `${result.source} (${result.bytes} bytes) → TFLite Micro sources:`,
    ...result.files.map((f) => `  ${f}`),
    `Op resolver: MicroMutableOpResolver<${result.opResolver.count}>: ${analysis.ops.map((o) => `${o.op} (${o.method})`).join(', ')}`,
    `Tensor arena (estimate): ${result.arenaEstimateBytes} bytes = ${a.activationBytes} activations alive at once`
      + `${a.variableBytes ? ` + ${a.variableBytes} variables` : ''} + ${a.overheadBytes} TFLM records and kernel data, `
      + `for a ${a.targetBits}-bit target with TFLM's reference kernels (optimized kernels such as CMSIS-NN need scratch `
      + 'on top); check with MicroInterpreter::arena_used_bytes()',
  ].join('\n');
}

// The onnx2lite command line: one file per subcommand under src/cli/commands/.
import { isUserFacing, oneLine } from '../ir/errors';
import { commands } from './commands/index';

const USAGE = `onnx2lite — ONNX to TFLite (LiteRT), without Python or TensorFlow

Usage: onnx2lite <command> [options]

Commands:
${Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`).join('\n')}

Run "onnx2lite <command> --help" for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE + '\n');
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${process.env.ONNX2LITE_VERSION ?? '0.1.0'}\n`);
    return 0;
  }
  const cmd = commands[name];
  if (!cmd) {
    process.stderr.write(`onnx2lite: unknown command "${name}" (commands: ${Object.keys(commands).join(', ')}; onnx2lite --help)\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(cmd.usage + '\n');
    return 0;
  }
  return cmd.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    if (isUserFacing(err)) {
      process.stderr.write(`onnx2lite: ${oneLine(err.message)}\n`);
      process.exitCode = err.name === 'UsageError' ? 2 : 1;
    } else if (err instanceof TypeError && /parseArgs|ERR_PARSE_ARGS/.test(String((err as { code?: string }).code ?? err.message))) {
      process.stderr.write(`onnx2lite: ${oneLine(err.message.split('\n')[0]!)}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`onnx2lite: internal error: ${oneLine(err instanceof Error ? err.message : String(err))}\n`);
      if (process.env.ONNX2LITE_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
      process.exitCode = 70;
    }
  },
);

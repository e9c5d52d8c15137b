// Builds a platform-specific .vsix: `npm run package [-- --target linux-x64|linux-arm64|darwin-arm64|win32-x64|win32-arm64]`.
// Stages dist/, media/ and the production node_modules in a temporary folder, keeps only the target's onnxruntime-node
// binaries (and host-built native addons only when the target is this machine), then runs vsce there.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { values } = parseArgs({ options: { target: { type: 'string', default: 'linux-x64' }, out: { type: 'string' } } });
const target = values.target;
const ORT = { 'linux-x64': 'linux/x64', 'linux-arm64': 'linux/arm64', 'darwin-arm64': 'darwin/arm64', 'win32-x64': 'win32/x64', 'win32-arm64': 'win32/arm64' };
if (!ORT[target]) {
  console.error(`onnx2lite package: --target ${target} is not supported (onnxruntime-node ships ${Object.keys(ORT).join(', ')})`);
  process.exit(2);
}
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const out = path.resolve(values.out ?? path.join(root, `${pkg.name}-${target}-${pkg.version}.vsix`));

execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });

const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-vsix-'));
try {
  const copy = (rel) => { if (fs.existsSync(path.join(root, rel))) fs.cpSync(path.join(root, rel), path.join(stage, rel), { recursive: true, dereference: true }); };
  for (const f of fs.readdirSync(path.join(root, 'dist'))) if (f.endsWith('.js')) copy(`dist/${f}`);
  for (const rel of ['media', 'README.md', 'CHANGELOG.md', 'LICENSE', '.vscodeignore']) copy(rel);
  const { devDependencies: _d, scripts: _s, ...manifest } = pkg;
  fs.writeFileSync(path.join(stage, 'package.json'), JSON.stringify(manifest, null, 2));

  // The production dependency tree, as npm resolved it.
  const list = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: root, encoding: 'utf8' })
    .split('\n').map((p) => p.trim()).filter((p) => p.startsWith(path.join(root, 'node_modules')));
  for (const p of list) copy(path.relative(root, p));

  const hostTarget = `${process.platform}-${process.arch}`;
  const ortBin = path.join(stage, 'node_modules/onnxruntime-node/bin');
  for (const napi of fs.existsSync(ortBin) ? fs.readdirSync(ortBin) : []) {
    for (const plat of fs.readdirSync(path.join(ortBin, napi))) {
      for (const arch of fs.readdirSync(path.join(ortBin, napi, plat))) {
        if (`${plat}/${arch}` !== ORT[target]) fs.rmSync(path.join(ortBin, napi, plat, arch), { recursive: true });
      }
      if (fs.readdirSync(path.join(ortBin, napi, plat)).length === 0) fs.rmSync(path.join(ortBin, napi, plat), { recursive: true });
    }
  }
  if (target !== hostTarget) {
    // Native addons built on this machine do not run elsewhere; ssh2 works without them (pure JS fallbacks).
    fs.rmSync(path.join(stage, 'node_modules/cpu-features'), { recursive: true, force: true });
    fs.rmSync(path.join(stage, 'node_modules/ssh2/lib/protocol/crypto/build'), { recursive: true, force: true });
  }
  const vsce = path.join(root, 'node_modules/@vscode/vsce/vsce');
  execFileSync(process.execPath, [vsce, 'package', '--target', target, '--allow-missing-repository', '--no-rewrite-relative-links',
    '--skip-license', '--out', out], { cwd: stage, stdio: ['ignore', 'inherit', 'inherit'] });
} finally {
  fs.rmSync(stage, { recursive: true, force: true });
}
const size = fs.statSync(out).size;
console.log(`${path.relative(process.cwd(), out)}: ${(size / 1024 / 1024).toFixed(1)} MB (${size} bytes, target ${target})`);

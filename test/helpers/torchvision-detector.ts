// Exporting torchvision's detectors for tests: scripts/export-torchvision-detector.py run by Debian's python3 (with
// python3-torch / python3-torchvision), and why a test is skipped when that python cannot import torchvision.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(__dirname, '..', '..', 'scripts', 'export-torchvision-detector.py');

/** false when torchvision imports, otherwise the reason to skip. */
export function torchvisionSkip(): false | string {
  try {
    execFileSync(PYTHON, ['-c', 'import torchvision'], { stdio: 'ignore' });
    return false;
  } catch {
    return `${PYTHON} cannot import torchvision (Debian python3-torch, python3-torchvision)`;
  }
}

/** Exports detector `name` at `size`² to `onnx` with the script's head scale and key=value overrides. */
export function exportDetector(name: string, size: number, onnx: string, scale: number, ...overrides: string[]): void {
  execFileSync(PYTHON, [SCRIPT, name, String(size), onnx, String(scale), ...overrides], { stdio: 'ignore' });
}

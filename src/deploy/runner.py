# onnx2lite device runner: uploaded next to the model by `onnx2lite deploy`, run with the device's python3.
# Probes the device and runs a .tflite model with warm-up and timed runs.
#
#   python3 runner.py probe
#   python3 runner.py run --model M.tflite --inputs DIR --outputs DIR --runs N --warmup N [--threads N]
#
# Its report goes to its own channel: the process's original stdout, one JSON object per line prefixed with
# MARK. Everything else written to fd 1 (Arm NN's notices, a runtime's banner) is moved to stderr before any runtime
# is imported. With --watch-stdin the runner exits as soon as its stdin closes (the SSH channel went away).
import json
import os
import platform
import sys
import threading
import time

MARK = '@@onnx2lite@@ '
RUNTIMES = ('ai_edge_litert', 'tflite_runtime', 'tensorflow.lite', 'pyarmnn')

_report = os.fdopen(os.dup(1), 'w', buffering=1)
os.dup2(2, 1)


def report(event, **fields):
    fields['event'] = event
    _report.write(MARK + json.dumps(fields) + '\n')
    _report.flush()


def read_text(path):
    try:
        with open(path, 'rb') as f:
            return f.read().decode('utf-8', 'replace')
    except OSError:
        return None


def device_info():
    model = read_text('/proc/device-tree/model')
    model = model.replace('\x00', '').strip() if model else None
    cpuinfo = read_text('/proc/cpuinfo') or ''
    if not model:
        for key in ('Model', 'model name', 'Hardware'):
            for line in cpuinfo.splitlines():
                if line.split(':')[0].strip() == key and ':' in line:
                    model = line.split(':', 1)[1].strip()
                    break
            if model:
                break
    osname = None
    os_ids = ''
    for line in (read_text('/etc/os-release') or '').splitlines():
        k, _, v = line.partition('=')
        if k == 'PRETTY_NAME':
            osname = v.strip().strip('"')
        if k in ('ID', 'ID_LIKE'):
            os_ids += ' ' + v.strip().strip('"')
    mem = {}
    for line in (read_text('/proc/meminfo') or '').splitlines():
        k, _, v = line.partition(':')
        parts = v.split()
        if parts and parts[0].isdigit():
            mem[k] = int(parts[0]) // 1024
    return {
        'arch': platform.machine(),
        'model': model or platform.processor() or None,
        'os': osname or platform.platform(),
        'osIds': os_ids.split(),
        'python': platform.python_version(),
        'cpus': os.cpu_count() or 1,
        'memMb': mem.get('MemTotal'),
        'memAvailableMb': mem.get('MemAvailable'),
    }


def version_of(dist, module=None):
    try:
        from importlib import metadata
        return metadata.version(dist)
    except Exception:
        return getattr(module, '__version__', None)


def import_runtime(name):
    """Returns (version, factory) or raises ImportError/other exception."""
    if name == 'ai_edge_litert':
        from ai_edge_litert.interpreter import Interpreter
        return version_of('ai-edge-litert'), Interpreter
    if name == 'tflite_runtime':
        import tflite_runtime
        from tflite_runtime.interpreter import Interpreter
        return version_of('tflite-runtime', tflite_runtime), Interpreter
    if name == 'tensorflow.lite':
        import tensorflow as tf
        return tf.__version__, tf.lite.Interpreter
    if name == 'pyarmnn':
        import pyarmnn
        return getattr(pyarmnn, '__version__', None) or version_of('pyarmnn'), pyarmnn
    raise ImportError('unknown runtime ' + name)


def find_runtime():
    tried = []
    for name in RUNTIMES:
        try:
            version, factory = import_runtime(name)
            return name, version, factory, tried
        except Exception as e:  # ImportError, or a broken install raising anything else
            tried.append({'name': name, 'error': (type(e).__name__ + ': ' + str(e))[:200]})
    return None, None, None, tried


def install_hint(dev):
    arch = dev['arch']
    debian = any(i in ('debian', 'raspbian', 'ubuntu') for i in dev['osIds'])
    pip = 'python3 -m pip install ai-edge-litert'
    if arch in ('armv7l', 'armv6l'):
        pip = 'python3 -m pip install tflite-runtime'
    hints = [pip]
    if debian:
        hints.append('sudo apt install python3-pyarmnn')
    return hints


class TfliteRunner:
    def __init__(self, factory, path, threads):
        self.threads = threads
        self.interp = factory(model_path=path, num_threads=threads)
        self.interp.allocate_tensors()
        self.inputs = self.interp.get_input_details()
        self.outputs = self.interp.get_output_details()
        self.input_dtypes = [d['dtype'] for d in self.inputs]
        self.output_names = [d['name'] for d in self.outputs]

    def run(self, arrays):
        for d, a in zip(self.inputs, arrays):
            self.interp.set_tensor(d['index'], a)
        self.interp.invoke()
        return [self.interp.get_tensor(d['index']).copy() for d in self.outputs]


class ArmnnRunner:
    def __init__(self, ann, path, cpus):
        self.ann = ann
        self.parser = ann.ITfLiteParser()
        network = self.parser.CreateNetworkFromBinaryFile(path)
        self.runtime = ann.IRuntime(ann.CreationOptions())
        self.backend = None
        for backend in ('CpuAcc', 'CpuRef'):
            try:
                opt, _ = ann.Optimize(network, [ann.BackendId(backend)], self.runtime.GetDeviceSpec(),
                                      ann.OptimizerOptions())
                self.backend = backend
                break
            except Exception as e:
                err = e
        if self.backend is None:
            raise RuntimeError('Arm NN could not optimize the model for CpuAcc or CpuRef: %s' % err)
        self.threads = cpus if self.backend == 'CpuAcc' else 1
        self.net_id, _ = self.runtime.LoadNetwork(opt)
        in_names = self.parser.GetSubgraphInputTensorNames(0)
        out_names = self.parser.GetSubgraphOutputTensorNames(0)
        self.in_bindings = [self.parser.GetNetworkInputBindingInfo(0, n) for n in in_names]
        self.out_bindings = [self.parser.GetNetworkOutputBindingInfo(0, n) for n in out_names]
        self.input_dtypes = [None for _ in in_names]
        self.output_names = list(out_names)

    def run(self, arrays):
        ann = self.ann
        ins = ann.make_input_tensors(self.in_bindings, arrays)
        outs = ann.make_output_tensors(self.out_bindings)
        self.runtime.EnqueueWorkload(self.net_id, ins, outs)
        return [a.copy() for a in ann.workload_tensors_to_ndarray(outs)]


def watch_stdin():
    def watch():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except Exception:
            pass
        os._exit(130)
    threading.Thread(target=watch, daemon=True).start()


def arg(argv, name, default=None):
    if name in argv:
        i = argv.index(name)
        if i + 1 < len(argv):
            return argv[i + 1]
    return default


SPECS = {'ai_edge_litert': ('ai_edge_litert', 'ai-edge-litert'), 'tflite_runtime': ('tflite_runtime', 'tflite-runtime'),
         'tensorflow.lite': ('tensorflow', 'tensorflow'), 'pyarmnn': ('pyarmnn', 'pyarmnn')}


def installed(module, dist):
    """(present, version) without importing the package: the probe stays fast (no native library loaded). The run
    step imports for real and moves on to the next runtime if an installed one fails to import."""
    try:
        import importlib.util
        if importlib.util.find_spec(module) is None:
            return False, None
    except Exception:
        return False, None
    return True, version_of(dist)


def cmd_probe():
    dev = device_info()
    has_numpy, numpy_version = installed('numpy', 'numpy')
    runtime = None
    tried = []
    for name in RUNTIMES:
        present, version = installed(*SPECS[name])
        if present:
            runtime = {'name': name, 'version': version}
            break
        tried.append({'name': name, 'error': 'not installed'})
    report('probe', device=dev, numpy=(numpy_version or 'unknown') if has_numpy else None, runtime=runtime,
           tried=tried, install=install_hint(dev))
    return 0


def cmd_run(argv):
    import numpy as np
    import resource
    model = arg(argv, '--model')
    in_dir = arg(argv, '--inputs')
    out_dir = arg(argv, '--outputs')
    runs = int(arg(argv, '--runs', '50'))
    warmup = int(arg(argv, '--warmup', '5'))
    cpus = os.cpu_count() or 1
    threads = int(arg(argv, '--threads', '0')) or cpus
    name, version, factory, tried = find_runtime()
    if not name:
        report('error', message='no TFLite runtime could be imported: ' + '; '.join(
            '%s: %s' % (t['name'], t['error']) for t in tried), tried=tried)
        return 3
    files = sorted((f for f in os.listdir(in_dir) if f.endswith('.npy')), key=lambda f: int(f[6:-4]))
    arrays = [np.load(os.path.join(in_dir, f)) for f in files]
    t0 = time.perf_counter()
    if name == 'pyarmnn':
        model_runner = ArmnnRunner(factory, model, cpus)
        name = 'pyarmnn:' + model_runner.backend
    else:
        model_runner = TfliteRunner(factory, model, threads)
    load_ms = (time.perf_counter() - t0) * 1000
    arrays = [a.astype(d) if d is not None and a.dtype != d else np.ascontiguousarray(a)
              for a, d in zip(arrays, model_runner.input_dtypes)]
    report('loaded', loadMs=load_ms, runtime={'name': name, 'version': version, 'threads': model_runner.threads})
    t0 = time.perf_counter()
    outputs = model_runner.run(arrays)
    first_ms = (time.perf_counter() - t0) * 1000
    report('first', firstMs=first_ms)
    for _ in range(warmup):
        model_runner.run(arrays)
    times = []
    last = time.perf_counter()
    for i in range(runs):
        t0 = time.perf_counter()
        model_runner.run(arrays)
        t1 = time.perf_counter()
        times.append((t1 - t0) * 1000)
        if t1 - last > 0.25 or i + 1 == runs:
            report('progress', done=i + 1, total=runs)
            last = t1
    out_files = []
    for i, a in enumerate(outputs):
        f = os.path.join(out_dir, 'output_%d.npy' % i)
        np.save(f, a)
        out_files.append({'index': i, 'name': model_runner.output_names[i], 'file': os.path.basename(f),
                          'shape': list(a.shape), 'dtype': str(a.dtype)})
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report('result', loadMs=load_ms, firstMs=first_ms, times=times, peakRssMb=peak_kb / 1024.0,
           runtime={'name': name, 'version': version, 'threads': model_runner.threads}, outputs=out_files)
    return 0


def main(argv):
    if '--watch-stdin' in argv:
        watch_stdin()
    report('start', pid=os.getpid())
    try:
        if argv and argv[0] == 'probe':
            return cmd_probe()
        if argv and argv[0] == 'run':
            return cmd_run(argv[1:])
        report('error', message='usage: runner.py probe | run --model M --inputs DIR --outputs DIR')
        return 2
    except Exception as e:
        report('error', message=(type(e).__name__ + ': ' + str(e))[:500])
        return 1


if __name__ == '__main__':
    code = main(sys.argv[1:])
    _report.flush()
    sys.stderr.flush()
    os._exit(code)

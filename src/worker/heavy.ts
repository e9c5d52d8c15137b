// Everything the worker does after the graph view's first frame: the full ONNX read (the lean read's fallback, and
// the IR for shapes and statistics), shape inference, compatibility, .tflite files, and the long jobs. The worker
// loads it on first use (src/worker/handlers.ts); scripts/build.mjs makes it a bundle of its own, dist/worker-heavy.js,
// so the worker's entry bundle (dist/worker.js) stays small and `open` of an .onnx file is answered sooner.
export { openModel } from './model-service';
export { runCompare, runConvert, runDeploy } from './jobs';

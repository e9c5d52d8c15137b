// Runs a converted .tflite with ONNX-shaped inputs and returns ONNX-shaped outputs, using the `onnx2lite`
// metadata (each input/output's layout perm and narrowed dtype). Used by tests, compare and deploy.
import type { Tensor } from '../ir/types';
import { makeTensor, toNumbers } from '../ir/tensor';
import type { OnnxLiteMetadata, TensorMapping } from '../convert/metadata';
import { transposeTensor } from '../convert/constdata';
import { invert } from '../convert/layout';
import { parseTflite } from '../tflite/reader';
import { openTflite, TfliteSession } from './litert';

export function readMetadata(tflite: Uint8Array): OnnxLiteMetadata | undefined {
  const m = parseTflite(tflite).metadata.get('onnx2lite');
  if (!m) return undefined;
  return JSON.parse(new TextDecoder().decode(m)) as OnnxLiteMetadata;
}

/** ONNX-layout tensor → the TFLite input it feeds (permuted, int64 narrowed to int32). */
export function toTfliteLayout(t: Tensor, map: TensorMapping): Tensor {
  let v: Tensor = t;
  if (t.dtype === 'int64' || t.dtype === 'uint64' || t.dtype === 'uint32') v = makeTensor(t.name, 'int32', t.dims, toNumbers(t));
  return { ...transposeTensor(v, map.perm), name: map.onnx };
}

/** A TFLite output → ONNX layout (the inverse permutation). */
export function toOnnxLayout(t: Tensor, map: TensorMapping): Tensor {
  return { ...transposeTensor(t, invert(map.perm)), name: map.onnx };
}

export interface OnnxShapedSession {
  session: TfliteSession;
  metadata: OnnxLiteMetadata;
  /** Feeds are matched to inputs by ONNX name. */
  run(feeds: Tensor[]): Promise<Map<string, Tensor>>;
  close(): void;
}

export async function openConverted(tflite: Uint8Array): Promise<OnnxShapedSession> {
  const metadata = readMetadata(tflite);
  if (!metadata) throw new Error('this .tflite has no onnx2lite metadata');
  const session = await openTflite(tflite);
  return {
    session, metadata,
    async run(feeds) {
      const ins = metadata.inputs.map((m) => {
        const f = feeds.find((t) => t.name === m.onnx) ?? feeds[metadata.inputs.indexOf(m)];
        if (!f) throw new Error(`no feed for input ${m.onnx}`);
        return toTfliteLayout(f, m);
      });
      const outs = await session.run(ins);
      const res = new Map<string, Tensor>();
      metadata.outputs.forEach((m, k) => res.set(m.onnx, toOnnxLayout(outs[k], m)));
      return res;
    },
    close() { session.close(); },
  };
}

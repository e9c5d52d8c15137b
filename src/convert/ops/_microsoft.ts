// onnxruntime's com.microsoft copies of ONNX ops (contrib ops kept from before ONNX had them, or written by its
// quantizer and optimizer under that domain): the ONNX op's converter, registered under com.microsoft at its opset 1.
import type { OpConverter } from '../types';
import { MAX_OPSET } from '../types';

export function underMicrosoft(conv: OpConverter): OpConverter {
  return { ...conv, domain: 'com.microsoft', opset: [1, MAX_OPSET] };
}

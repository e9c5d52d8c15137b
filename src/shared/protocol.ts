// The one typed message protocol between the extension host and the graph-view webview. Both sides import it:
// requests (webview → host, with a reply) are a map from name to params and result, so a reply's type comes from
// its request; notifications (host → webview) are a map from name to params. Only what the webview needs crosses
// over: a compact graph, verdicts, accuracy rows; weight statistics are computed in the host on demand.
import type { CompatReport } from './compat-types';

export type ViewDim = number | string;

/** A tensor as the view knows it. `shape` undefined: rank unknown. */
export interface ViewValue {
  name: string;
  dtype?: string;
  shape?: ViewDim[];
  /** A constant (ONNX initializer, TFLite buffer): its statistics can be asked for. */
  constant?: boolean;
}

export interface ViewNode {
  id: number;
  /** Unique name (ONNX node name, or made up by the reader); scopes come from its `/` separated path. */
  name: string;
  op: string;
  /** 'op' for a real node; graph inputs and outputs are drawn as nodes too. */
  kind: 'op' | 'input' | 'output';
  /** Tensor names; '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  /** Attribute name and a short printable value. */
  attrs: [string, string][];
}

export interface ViewEdge {
  from: number;
  to: number;
  tensor: string;
}

export interface ViewGraph {
  format: 'onnx' | 'tflite';
  /** The file's base name. */
  file: string;
  /** Model-level facts for the side panel (producer, opsets, ...). */
  info: [string, string][];
  nodes: ViewNode[];
  edges: ViewEdge[];
  values: ViewValue[];
  /** Set when shapes could not be inferred (the view still draws, with declared shapes only). */
  note?: string;
}

/** A ViewGraph as it crosses over (src/shared/graph-wire.ts builds and decodes it): each distinct string once in a table,
 *  everything else flat integer arrays of indexes into it. Node ids are positions; edges are not sent (each tensor's
 *  last writer feeds its readers). */
export interface WireGraph {
  format: ViewGraph['format'];
  file: string;
  info: [string, string][];
  note?: string;
  /** The string table, front-coded: string i is the first `shared_i` characters of string i - 1, then the next
   *  `length_i` characters of `text`. */
  text: string;
  /** Packed integers (src/shared/graph-wire.ts packInts): `shared_i, length_i` per string. */
  table: string;
  /** Packed integers, per node: name, op, kind (0 op, 1 input, 2 output), input count and inputs, output count and
   *  outputs, attribute count and (name, text) pairs; names and texts are string indexes. */
  nodes: string;
  /** Packed signed integers, per value: name, constant (0/1), then a shape record as in WireShapes. */
  values: string;
}

/** Inferred dtypes and shapes of the graph's values, in WireGraph.values order: per value dtype (-1 unknown), rank
 *  (-1 unknown) and dims (a dim ≥ 0 is itself, a symbol is -1 - its index in `strings`). */
export interface WireShapes {
  strings: string[];
  shapes: number[];
}

export interface WeightStats {
  tensor: string;
  dtype: string;
  dims: number[];
  count: number;
  min: number;
  max: number;
  mean: number;
  std: number;
  /** Fraction of elements that are exactly zero. */
  sparsity: number;
}

/** Error of one tensor of the compared model against its reference. */
export interface Metrics {
  /** max |got - ref| */
  maxAbs: number;
  /** mean |got - ref| */
  meanAbs: number;
  /** maxAbs / max |ref| (maxAbs itself when the reference is all zeros). */
  rel: number;
  /** Cosine similarity of got and ref as flat vectors (1 when both are all zeros). */
  cosine: number;
  /** 10·log10(Σref² / Σ(got-ref)²), capped to [-200, 200] (200 = identical; an all-zero reference gives 200 when
   *  every |got| ≤ 1e-5, else -200). */
  snrDb: number;
}

/** One compared ONNX tensor (a layer): the node that produced it and the TFLite tensor it maps to. The row of
 *  `onnx2lite compare --json` (src/compare/types.ts LayerResult) and of the graph view's accuracy overlay. */
export interface AccuracyLayer extends Metrics {
  node: string;
  op: string;
  tensor: string;
  /** Index of the TFLite tensor in subgraph 0 of the compared model (-1 when it has none). */
  tflite: number;
  /** Lowest SNR among the layer's covered inputs (dB; 200 for model inputs and constants). */
  inputSnrDb?: number;
  /** Set on layers where the error jumps (see src/compare/divergence.ts); the first one is firstDivergence. */
  jump?: boolean;
}

export interface AccuracyReport {
  layers: AccuracyLayer[];
  firstDivergence: { node: string; tensor: string } | null;
  outputs: AccuracyLayer[];
}

/** Webview → host requests: name → params and result. */
export interface WebviewRequests {
  /** The webview is up (first load or restored after being hidden): the host (re)sends what it has. */
  ready: { params: Record<string, never>; result: void };
  /** The graph's first frame is drawn: the host sends what can wait (inferred shapes, compatibility verdicts). */
  drawn: { params: Record<string, never>; result: void };
  weightStats: { params: { tensor: string }; result: WeightStats };
  /** Run one of the extension's commands on this document. */
  runCommand: { params: { command: 'convert' | 'compare' | 'deploy' }; result: void };
}

/** Host → webview notifications: name → params. */
export interface HostNotifications {
  loading: { file: string };
  /** The graph with the shapes the file declares; inferred shapes follow in `shapes`. */
  graph: { graph: WireGraph };
  /** Shape inference's dtypes and shapes for the graph's values; `note` when it could not infer them all. */
  shapes: { shapes: WireShapes; note?: string };
  /** Opening failed: one clear line. */
  error: { message: string };
  /** Compatibility verdicts; `report` null with a note when the analysis is not available. */
  compat: { report: CompatReport | null; note?: string };
  accuracy: { report: AccuracyReport; title: string };
  /** Select and centre a node (from the Problems panel or the accuracy table). */
  reveal: { node: string };
}

export type RequestName = keyof WebviewRequests;
export type NotificationName = keyof HostNotifications;

export interface RequestMessage<K extends RequestName = RequestName> {
  type: 'request';
  id: number;
  method: K;
  params: WebviewRequests[K]['params'];
}

export type ResponseMessage<K extends RequestName = RequestName> =
  | { type: 'response'; id: number; ok: true; result: WebviewRequests[K]['result'] }
  | { type: 'response'; id: number; ok: false; error: string };

export interface NotificationMessage<K extends NotificationName = NotificationName> {
  type: 'notify';
  method: K;
  params: HostNotifications[K];
}

export type ToHost = RequestMessage;
export type ToWebview = ResponseMessage | NotificationMessage;

export function isRequestMessage(m: unknown): m is RequestMessage {
  const r = m as RequestMessage | null;
  return typeof r === 'object' && r !== null && r.type === 'request' && typeof r.id === 'number' && typeof r.method === 'string';
}

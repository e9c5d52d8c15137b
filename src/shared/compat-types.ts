// The compatibility verdicts the op registry gives for each ONNX node (read by the CLI, the graph view's colouring
// and VS Code's Problems panel). Produced by analyzeCompatibility() in src/convert/compat.ts.

export type SupportStatus = 'builtin' | 'flex' | 'unsupported';

export interface NodeVerdict {
  /** ONNX node name (unique in the graph, see src/onnx/reader.ts). */
  node: string;
  opType: string;
  domain: string;
  status: SupportStatus;
  /** TFLite builtin ops this node becomes (empty when folded away or unsupported). */
  emits: string[];
  /** Why it is not builtin, in words a person can act on; undefined when builtin. */
  reason?: string;
  /** What the user can do about it (e.g. "set onnx2lite.inputShapes" or "--input-shape x=1,3,224,224"). */
  fix?: string;
  /** An int8 path exists for this node; int8Reason says why not when false. */
  int8: boolean;
  int8Reason?: string;
  /** int8 is true but the int8 pass may still keep the node float32 by a rule that reads calibration ranges, which
   *  the view does not have (a join near the outputs whose inputs' ranges are far apart): why, in words. */
  int8Maybe?: string;
  /** A TFLite Micro kernel exists for every op it emits. */
  micro: boolean;
  /** True when the node disappears in conversion (constant-folded, Identity, Dropout, fused into its producer). */
  folded?: boolean;
}

export interface CompatReport {
  nodes: NodeVerdict[];
  /** Model-level problems not tied to a node (e.g. dynamic dims on an input). */
  modelIssues: { message: string; fix?: string; input?: string }[];
  summary: { total: number; builtin: number; flex: number; unsupported: number; int8: number; micro: number };
}

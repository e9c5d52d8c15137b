// Messages between the webview and its layout worker (webview/layout-worker.ts).
export interface LayoutRequest {
  id: number;
  nodes: { key: string; width: number; height: number }[];
  edges: { from: string; to: string }[];
}

export interface LayoutResult {
  id: number;
  nodes: { key: string; x: number; y: number }[];
  /** Points of each edge, in the request's edge order. */
  edges: { x: number; y: number }[][];
  width: number;
  height: number;
  ms: number;
  /** Laid out by webview/fast-layout.ts (not dagre). */
  fast?: boolean;
  error?: string;
}

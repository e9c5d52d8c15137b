// Name scopes of the graph view (webview/scopes.ts): paths from node names, one-node scopes kept in their parent,
// and the collapsed view of a generated 20,000-node graph.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoExpand, buildScopes, visibleGraph } from '../../webview/scopes';
import type { ViewGraph, ViewNode } from '../../src/shared/protocol';
import { decodeGraph } from '../../src/shared/graph-wire';
import { onnxWireGraph } from '../../src/worker/view-graph';
import { syntheticModel } from './synthetic';

function graphOf(names: string[]): ViewGraph {
  const nodes: ViewNode[] = names.map((name, id) => ({ id, name, op: 'Relu', kind: id === names.length - 1 ? 'input' : 'op', inputs: [], outputs: [], attrs: [] }));
  return { format: 'onnx', file: 'm.onnx', info: [], nodes, edges: [], values: [] };
}

test('scope paths come from node names; a scope of one node is its parent', () => {
  const g = graphOf(['/a/b/Conv', '/a/b/Relu', '/a/c/Conv', 'x/y/Add', 'a//b/Mul', 'Plain', '/Top', '/a/b/', '/in/put']);
  const s = buildScopes(g);
  assert.deepEqual([...s.byPath.keys()].sort(), ['', '/a', '/a/b', '/x']);
  assert.deepEqual(s.byPath.get('/a/b')!.nodes, [0, 1, 4, 7]);
  assert.deepEqual(s.byPath.get('/a')!.nodes, [2]);
  assert.deepEqual(s.byPath.get('/x')!.nodes, [3]);
  assert.deepEqual(s.root.nodes, [5, 6, 8]);
  assert.equal(s.byPath.get('/a')!.size, 5);
  assert.deepEqual(s.chain[2].map((c) => c.path), ['/a']);
  assert.deepEqual(s.chain[0].map((c) => c.path), ['/a', '/a/b']);
  assert.deepEqual(s.chain[8], []);
});

test('a 20,000-node graph collapses to at most 250 items, and expanding a scope shows its nodes', () => {
  const g = decodeGraph(onnxWireGraph(syntheticModel(20, 200), 'synthetic.onnx').graph);
  const s = buildScopes(g);
  assert.equal(s.root.size, 20002);
  const expanded = autoExpand(s, 250);
  const v = visibleGraph(g, s, expanded);
  assert.ok(v.items.length <= 250 && v.items.length > 200, `${v.items.length} items`);
  const group = v.items.find((i) => i.kind === 'group' && i.scope.path.includes('block'))!;
  assert.equal(group.kind === 'group' && group.scope.size, 5);
  if (group.kind !== 'group') return;
  const more = visibleGraph(g, s, new Set([...expanded, group.scope.path]));
  assert.equal(more.items.length, v.items.length + 4);
  for (const id of group.scope.nodes) assert.equal(more.keyOf(id), `n:${id}`);
});

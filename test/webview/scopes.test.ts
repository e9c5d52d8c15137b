// Name scopes of the graph view (webview/scopes.ts): paths from node names, one-node scopes kept in their parent,
// and the collapsed view of a generated 20,000-node graph.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoExpand, buildScopes, visibleGraph } from '../../webview/scopes';
import { MAX_MEMBERS } from '../../webview/scope-ranges';
import type { ViewGraph, ViewNode } from '../../src/shared/protocol';
import { decodeGraph } from '../../src/shared/graph-wire';
import { onnxWireGraph } from '../../src/worker/view-graph';
import { flatModel, syntheticModel } from './synthetic';

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

test('a flat 20,000-node graph (no name scopes) is grouped into nested ranges in graph order', () => {
  const g = decodeGraph(onnxWireGraph(flatModel(5000), 'flat.onnx').graph);
  const s = buildScopes(g);
  assert.equal(s.root.size, 20002);
  // no scope holds more than MAX_MEMBERS members, and every op node is in a range
  for (const sc of s.byPath.values()) assert.ok(sc.nodes.length + sc.children.length <= MAX_MEMBERS + 2, `${sc.path}: ${sc.nodes.length + sc.children.length}`);
  assert.ok(s.root.nodes.every((id) => g.nodes[id].kind !== 'op'), 'only the graph input and output stay in the root');
  const conv0 = g.nodes.find((n) => n.name === 'conv0')!;
  const chain = s.chain[conv0.id];
  assert.ok(chain.length >= 2 && chain.every((c) => c.range), chain.map((c) => c.path).join(' '));
  assert.match(chain[0].label, /^conv0 … add\d+$/);
  // ranges are contiguous in graph order: each range's nodes follow each other
  const leaf = chain[chain.length - 1];
  assert.deepEqual(leaf.nodes, leaf.nodes.map((_, i) => leaf.nodes[0] + i));
  const expanded = autoExpand(s, 150);
  const v = visibleGraph(g, s, expanded);
  assert.ok(v.items.length <= 150 && v.items.length > 20, `${v.items.length} items`);
  // the edges between ranges follow the chain of blocks
  assert.ok(v.edges.length >= v.items.length - 2);
  const group = v.items.find((i) => i.kind === 'group')!;
  if (group.kind !== 'group') return;
  const more = visibleGraph(g, s, new Set([...expanded, group.scope.path]));
  assert.equal(more.items.length, v.items.length + group.scope.nodes.length + group.scope.children.length - 1);
});

test('a scope of many blocks is grouped into ranges of its child scopes; a small scope is left alone', () => {
  const names = [...Array.from({ length: 100 }, (_, i) => [`/m/block${i}/Conv`, `/m/block${i}/Relu`]).flat(), '/n/a/Conv', '/n/b/Conv', '/n/Add', 'in'];
  const s = buildScopes(graphOf(names));
  const m = s.byPath.get('/m')!;
  assert.ok(m.children.length <= MAX_MEMBERS && m.children.every((c) => c.range), `${m.children.length} children`);
  assert.equal(m.size, 200);
  assert.match(m.children[0].label, /^m · block0 … block\d+$/, 'a range in a name scope carries its name');
  assert.equal(s.byPath.get('/m/block57')!.parent!.parent, m, 'a block keeps its path, under a range');
  assert.equal(s.chain[2 * 57].map((c) => c.path).join(' '), `/m ${s.byPath.get('/m/block57')!.parent!.path} /m/block57`);
  assert.ok(!s.byPath.get('/n')!.children.some((c) => c.range));
});

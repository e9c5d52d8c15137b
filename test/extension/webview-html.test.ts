// The graph view's page (src/extension/webview-html.ts): with the bundle and stylesheet inline it loads nothing by
// address before its first frame, and text that would end their elements early cannot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { webviewHtml } from '../../src/extension/webview-html';

const resources = {
  cspSource: 'https://res.example', script: 'https://res.example/dist/webview.js', layoutWorker: 'https://res.example/dist/layout-worker.js',
  css: 'https://res.example/media/graph.css', nonce: 'n0nce',
};

test('by address: the bundle and stylesheet are loaded from the extension\'s resources', () => {
  const html = webviewHtml(resources);
  assert.match(html, /<script nonce="n0nce" src="https:\/\/res\.example\/dist\/webview\.js"><\/script>/);
  assert.match(html, /<link rel="stylesheet" href="https:\/\/res\.example\/media\/graph\.css" nonce="n0nce">/);
});

test('inline: no script or stylesheet by address, end tags inside the texts escaped, the source map in full', () => {
  const script = 'var a = "</script><script>alert(1)</script>"; var b = "<!-- x";\n//# sourceMappingURL=webview.js.map\n';
  const css = 'body::after { content: "</style><b>x</b>"; }';
  const html = webviewHtml({ ...resources, inline: { script, css } });
  assert.doesNotMatch(html, /<script[^>]* src=/);
  assert.doesNotMatch(html, /<link rel="stylesheet"/);
  assert.equal(html.match(/<\/script>/g)?.length, 2, 'the boot script and the bundle each end once');
  assert.equal(html.match(/<\/style>/g)?.length, 1);
  assert.ok(html.includes('var a = "<\\/script><script>alert(1)<\\/script>"; var b = "<\\!-- x";'));
  assert.ok(html.includes('//# sourceMappingURL=https://res.example/dist/webview.js.map'));
  assert.equal(html.match(/<script nonce="n0nce">/g)?.length, 2, 'every script carries the nonce');
  assert.ok(html.includes('<style nonce="n0nce">'));
});

test('with the host\'s first frame: its boxes in the page, then its script; the bundle by address after the frame (not preloaded, not inline)', () => {
  const css = 'body { color: red }';
  const firstFrame = { file: 'm.onnx', markup: '<g class="nodes"><g class="node" data-key="n:0"></g></g>', width: 300, height: 200, topX: 150, items: 1 };
  const html = webviewHtml({ ...resources, inline: { script: 'var bundle = 1;', css }, firstFrame });
  assert.ok(!html.includes('var bundle = 1;'), 'the bundle is not in the page');
  // Not preloaded: parsing the bundle would compete with the frame's one layout for the CPU.
  assert.doesNotMatch(html, /rel="preload"/);
  // Out of the drawing (a template: not styled or laid out) until the page's first layout gives the canvas its size,
  // then moved into the pan layer's SVG and laid out once, at its zoom.
  const svg = html.indexOf('<div id="layer"><svg id="graph" width="100%" height="100%">');
  assert.ok(svg > 0, 'the pan layer\'s svg is in the page');
  assert.ok(html.indexOf('<template id="first-frame"><svg><g class="viewport prerender"><g class="nodes"><g class="node" data-key="n:0"></g></g></g></svg></template>', svg) > svg,
    'the frame follows it, in a template');
  const script = html.indexOf('<script nonce="n0nce" id="first-frame-script">', svg);
  assert.ok(script > svg, 'its script follows it');
  // Nothing is rendered before that script has run (a frame of the toolbar alone, mid-parse, was a wasted frame).
  assert.ok(html.indexOf('<link rel="expect" href="#first-frame-script" blocking="render">') < html.indexOf('</head>'));
  // Its boxes' and edges' bounds come with it (the page keeps those in view without parsing the markup back).
  assert.ok(html.includes('bounds = []'));
  assert.ok(html.indexOf('"https://res.example/dist/webview.js"', script) < 0, 'the bundle is started from the boot script, in the head');
  assert.ok(html.indexOf('"https://res.example/dist/webview.js"') < svg);
  assert.match(html, /<div id="status" role="status" hidden><\/div>/);
  assert.equal(html.match(/<script nonce="n0nce"[ >]/g)?.length, 2, 'the boot script and the frame\'s script, each with the nonce');
  assert.doesNotMatch(html, /<script[^>]* src=/);
  // Without the stylesheet inline there is no frame (it would paint unstyled).
  assert.ok(!webviewHtml({ ...resources, firstFrame }).includes('prerender'));
});

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
  assert.equal(html.match(/<\/script>/g)?.length, 3, 'the boot script, the toolbar\'s controls (text) and the bundle each end once');
  assert.equal(html.match(/<\/style>/g)?.length, 1);
  assert.ok(html.includes('var a = "<\\/script><script>alert(1)<\\/script>"; var b = "<\\!-- x";'));
  assert.ok(html.includes('//# sourceMappingURL=https://res.example/dist/webview.js.map'));
  assert.equal(html.match(/<script nonce="n0nce">/g)?.length, 2, 'every script carries the nonce');
  assert.ok(html.includes('<style nonce="n0nce">'));
});

test('with the host\'s first frame: its edges and boxes as text after the SVG, then its script; the bundle by address after the frame (not preloaded, not inline)', () => {
  const css = 'body { color: red }';
  const box = '<g class="node" data-key="n:0"><text class="label">a &lt;/script&gt; b</text></g>';
  const firstFrame = { file: 'm.onnx', edges: ['<path d="M0,0L1,1"></path>'], boxes: [box, '<g class="node" data-key="n:1"></g>'],
    arrows: ['M1.4,1.4L-1.7,0.8L0.8,-1.7Z'], width: 300, height: 200, topX: 150, items: 2, bounds: [0, 0, 1, 1, 10, 10, 50, 30, 60, 10, 90, 30] };
  const html = webviewHtml({ ...resources, inline: { script: 'var bundle = 1;', css }, firstFrame });
  assert.ok(!html.includes('var bundle = 1;'), 'the bundle is not in the page');
  // Not preloaded: parsing the bundle would compete with the frame's one layout for the CPU.
  assert.doesNotMatch(html, /rel="preload"/);
  // Not elements of the page (parsed, styled, laid out) until the page's first layout gives the canvas its size: the
  // markup of each edge and box is a line of a script element's text, from which the frame's script puts those in
  // view into the pan layer's SVG.
  const svg = html.indexOf('<div id="layer"><svg id="graph" width="100%" height="100%">');
  assert.ok(svg > 0, 'the pan layer\'s svg is in the page');
  const parts = html.indexOf(`<script type="text/x-frame" id="first-frame-parts">${firstFrame.edges[0]}\n${box}\n${firstFrame.boxes[1]}</script>`);
  assert.ok(parts > svg, 'the edges and boxes follow it, a line each, in a script of no script type');
  const script = html.indexOf('<script nonce="n0nce" id="first-frame-script">', svg);
  assert.ok(script > parts, 'the frame\'s script follows them');
  // A box whose markup could end that element, or break its line, leaves the page without a frame (the bundle draws).
  for (const bad of ['<g data-key="x</script><script>alert(1)</script>"></g>', '<g data-key="a\nb"></g>', '<!--'])
    assert.ok(!webviewHtml({ ...resources, inline: { script: '', css }, firstFrame: { ...firstFrame, boxes: [box, bad] } }).includes('first-frame'));
  // Nothing is rendered before that script has run (a frame of the toolbar alone, mid-parse, was a wasted frame).
  assert.ok(html.indexOf('<link rel="expect" href="#first-frame-script" blocking="render">') < html.indexOf('</head>'));
  // Its boxes' and edges' bounds come with it (the page keeps those in view without parsing the markup), and the
  // edges' arrowheads, which the page draws as one path (no marker each).
  assert.ok(html.includes(`bounds = ${JSON.stringify(firstFrame.bounds)}`));
  assert.ok(html.includes(`arrows = ${JSON.stringify(firstFrame.arrows)}`));
  assert.doesNotMatch(html, /<marker/);
  assert.ok(html.indexOf('"https://res.example/dist/webview.js"', script) < 0, 'the bundle is started from the boot script, in the head');
  assert.ok(html.indexOf('"https://res.example/dist/webview.js"') < svg);
  assert.match(html, /<div id="status" role="status" hidden><\/div>/);
  assert.equal(html.match(/<script nonce="n0nce"[ >]/g)?.length, 2, 'the boot script and the frame\'s script, each with the nonce');
  assert.doesNotMatch(html, /<script[^>]* src=/);
  // Without the stylesheet inline there is no frame (it would paint unstyled).
  assert.ok(!webviewHtml({ ...resources, firstFrame }).includes('prerender'));
});

test('a tall graph\'s frame (near) is SVG in the page at its first zoom, the tiers of bigger views as text; the stylesheet\'s late rules wait as text', () => {
  const css = 'svg { fill: none }\n/* after the first frame: the rest */\n#panel h2 { color: red }';
  const box = (i: number): string => `<g class="node" data-key="n:${i}"><rect x="0" y="${i * 500}"></rect></g>`;
  // Four boxes 500 graph units apart down the graph (the top one at x 150): at zoom 0.9 an 800-pixel view shows the
  // first two, a 1000-pixel one the third, a 1440-pixel one the fourth.
  const firstFrame = { file: 'tall.onnx', edges: ['<path d="M150,0L150,1500"></path>'], boxes: [0, 1, 2, 3].map(box),
    arrows: ['M150,1500.6L147,1494.6L153,1494.6Z'], width: 300, height: 1600, topX: 150, items: 40, near: [-1300, -31, 1600, 1600],
    bounds: [150, 0, 150, 1500, 100, 0, 200, 28, 100, 500, 200, 528, 100, 1000, 200, 1028, 100, 1500, 200, 1528] };
  const html = webviewHtml({ ...resources, inline: { script: 'var bundle = 1;', css }, firstFrame });
  assert.ok(!html.includes('first-frame-parts'), 'no parts as text: the frame is in the SVG');
  const svg = html.slice(html.indexOf('<svg id="graph"'), html.indexOf('</svg></div>'));
  assert.match(svg, /<svg class="prerender" x="50%" overflow="visible"><g class="viewport" transform="translate\(-135,10\) scale\(0\.9\)">/);
  // The first two (any view shows them) are in the SVG; the others wait as text, in the tiers of the views that show
  // them (a line each: each tier's edges, then its boxes), for the frame's script to put in a bigger page.
  assert.ok(svg.includes(box(0) + box(1)) && !svg.includes(box(2)) && !svg.includes('tier'), 'the first tier in the SVG');
  // The first tier's edges, then their arrowheads as one path (no marker each: each is a paint of its own).
  assert.ok(svg.includes(`<g class="edges">${firstFrame.edges[0]}<path class="arrowheads" d="${firstFrame.arrows[0]}"></path></g>`), 'arrowheads as one path');
  assert.doesNotMatch(html, /<marker|marker-end/);
  const tiers = /<script type="text\/x-frame" id="frame-tiers">([^]*?)<\/script>/.exec(html)![1].split('\n');
  assert.deepEqual(tiers, ['', `<g class="tier1">${box(2)}</g>`, '', '', '', `<g class="tier3">${box(3)}</g>`]);
  assert.ok(html.indexOf('id="frame-tiers"') < html.indexOf('id="first-frame-script"'));
  assert.match(html, /@media \(max-width: 1280px\) and \(max-height: 800px\) \{ \.tier1 \{ display: none; \} \}/);
  assert.match(html, /@media \(min-width: 2561px\), \(min-height: 1441px\) \{ svg\.prerender \{ display: none; \} \}/, 'a bigger page: the bundle draws');
  assert.match(html, /html\.restored svg\.prerender \{ display: none; \}/);
  assert.match(html, /s\.file === "tall\.onnx" && \(s\.expanded \|\| s\.transform\)\) document\.documentElement\.classList\.add\('restored'\)/);
  // Timed as a bare page's first frame is (the task after it), then the bundle.
  const script = html.slice(html.indexOf('<script nonce="n0nce" id="first-frame-script">'));
  assert.ok(script.includes("requestAnimationFrame(() => setTimeout(() => { performance.mark('onnx2lite-first-frame'); b.run(); }, 0));"));
  assert.ok(script.indexOf("matchMedia('(min-width: 2561px), (min-height: 1441px)').matches) { if (more) more.remove(); b.run(); return; }") > 0, 'not shown: the bundle at once');
  assert.ok(script.includes('["(max-width: 1280px) and (max-height: 800px)","(max-width: 1600px) and (max-height: 1000px)","(max-width: 1920px) and (max-height: 1200px)"]'),
    'a tier is put in unless the page is no bigger than the tier before');
  // The stylesheet up to its late rules in the head; the rest as text at the end, added by run().
  const style = html.slice(html.indexOf('<style nonce="n0nce">'), html.indexOf('</style>'));
  assert.ok(style.includes('svg { fill: none }') && !style.includes('#panel h2'));
  assert.ok(html.indexOf('<script type="text/x-css" id="late-css">/* after the first frame: the rest */\n#panel h2 { color: red }</script>') > html.indexOf('id="first-frame-script"'));
  assert.match(html, /getElementById\('late-css'\)/);
  // Without a frame the whole stylesheet is in the head.
  const plain = webviewHtml({ ...resources, inline: { script: '', css } });
  assert.ok(plain.includes('#panel h2 { color: red }</style>') && !plain.includes('late-css"'));
});

// The report is one well-formed, self-contained page with a timeline per key, the failing window
// shaded and its operations marked; text from the history is escaped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkHistory, renderKeyTimeline, renderReport } from '../../src/check/index.js';
import { Builder, randomHistory } from './generate.js';
import { xmlProblem } from './xml.js';

function staleReadHistory(): Builder {
  const b = new Builder();
  b.write(0, 10, 'a<&>"\'', { clientId: 1 });
  b.write(20, 30, 'b', { clientId: 2 });
  b.read(40, 50, 'a<&>"\'', { clientId: 3 });
  b.write(5, 60, 'c', { clientId: 4, status: 'unknown' });
  b.read(1, 2, 'x', { key: 'other & <key>', clientId: 5, status: 'fail' });
  return b;
}

test('the xml checker itself rejects broken markup', () => {
  assert.equal(xmlProblem('<a><b/></a>'), null);
  assert.notEqual(xmlProblem('<a><b></a>'), null);
  assert.notEqual(xmlProblem('<a x=1></a>'), null);
  assert.notEqual(xmlProblem('<a>1 & 2</a>'), null);
  assert.notEqual(xmlProblem('<a>'), null);
});

test('a failing report is well-formed and marks exactly the window', () => {
  const b = staleReadHistory();
  const result = checkHistory(b.ops);
  assert.equal(result.verdict, 'illegal');
  const html = renderReport(b.ops, result);
  assert.equal(xmlProblem(html), null);
  assert.match(html, /id="window-band"/);
  const marked = [...html.matchAll(/data-id="(\d+)" data-window="true"/g)].map((m) => Number(m[1]));
  assert.deepEqual(marked.sort(), result.failure!.window.map((op) => op.id).sort());
  assert.ok(result.failure!.window.length >= 2);
  assert.match(html, /Failing window on key/);
  assert.ok(html.includes('a&lt;&amp;&gt;\\&quot;&#39;'), 'values are escaped');
  assert.ok(html.includes('other &amp; &lt;key&gt;'), 'keys are escaped');
  assert.equal((html.match(/<svg /g) ?? []).length, 2, 'one timeline per key');
  assert.doesNotMatch(html, /<script|https?:\/\/(?!www\.w3\.org)/, 'self-contained');
});

test('a passing report has no window', () => {
  const b = new Builder();
  b.write(0, 1, 'a');
  b.read(2, 3, 'a');
  const html = renderReport(b.ops, checkHistory(b.ops));
  assert.equal(xmlProblem(html), null);
  assert.doesNotMatch(html, /window-band|data-window/);
});

test('a large key is drawn around its window, within the operation cap', () => {
  const history = randomHistory({ seed: 3, clients: 6, operations: 3000, keys: 1, mix: [4, 3, 0, 0, 0] });
  const read = history.findLast((op) => op.kind === 'read' && op.status === 'ok' && op.output !== null)!;
  history[history.indexOf(read)] = { ...read, output: 'never-written' } as typeof read;
  const result = checkHistory(history);
  assert.equal(result.verdict, 'illegal');
  const html = renderReport(history, result, { maxOperationsPerKey: 100 });
  assert.equal(xmlProblem(html), null);
  assert.equal((html.match(/<g class="op/g) ?? []).length, 100);
  assert.match(html, /showing 100 of 3000 operations, around the failing window/);
  assert.ok(html.includes(`data-id="${read.id}" data-window="true"`));
});

test('a timeline alone is a well-formed svg element', () => {
  const svg = renderKeyTimeline(staleReadHistory().ops);
  assert.equal(xmlProblem(svg), null);
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.equal(xmlProblem(renderKeyTimeline([])), null);
});

test('only the first keys are drawn, the failing one first, and the rest are counted', () => {
  const b = new Builder();
  for (let k = 0; k < 30; k++) b.write(0, 1, 'a', { key: `key${k}` });
  b.read(2, 3, 'b', { key: 'key29' });
  const result = checkHistory(b.ops);
  const html = renderReport(b.ops, result, { maxKeys: 5 });
  assert.equal(xmlProblem(html), null);
  assert.equal((html.match(/<svg /g) ?? []).length, 5);
  assert.ok(html.indexOf('Key &quot;key29&quot;') < html.indexOf('Key &quot;key0&quot;'));
  assert.match(html, /25 more keys not drawn/);
});

// Draws a checked history as one self-contained HTML page (XHTML-clean, no scripts, no external
// files) with an SVG timeline per key: a row per client, a bar per operation from invocation to
// completion, the failing window shaded and its operations outlined in red. The caller writes
// the string to a file; this layer does no I/O.

import { assert } from '../lib/assert.js';
import { describeCall, describeOperation } from './describe.js';
import type { CheckResult, Operation } from './history.js';

export interface RenderOptions {
  /** Most operations drawn per key; a failing key is drawn around its window. */
  readonly maxOperationsPerKey?: number;
  /** Most keys drawn: the failing key first, then keys left unknown, then the rest in order. */
  readonly maxKeys?: number;
  readonly title?: string;
}

const OPERATIONS_PER_KEY_MAX_DEFAULT = 400;
const KEYS_MAX_DEFAULT = 20;
const PLOT_WIDTH_PX = 1100;
const LABEL_WIDTH_PX = 80;
const ROW_HEIGHT_PX = 22;
const AXIS_HEIGHT_PX = 24;
const KIND_COLORS: Record<Operation['kind'], string> = {
  read: '#8ecae6',
  write: '#ffb703',
  cas: '#b5e48c',
  delete: '#e5989b',
  incr: '#cdb4db',
};

export function renderReport(history: readonly Operation[], result: CheckResult, options: RenderOptions = {}): string {
  const maxOps = options.maxOperationsPerKey ?? OPERATIONS_PER_KEY_MAX_DEFAULT;
  const maxKeys = options.maxKeys ?? KEYS_MAX_DEFAULT;
  assert(Number.isInteger(maxOps) && maxOps > 0, 'maxOperationsPerKey must be a positive integer');
  assert(Number.isInteger(maxKeys) && maxKeys > 0, 'maxKeys must be a positive integer');
  const byKey = new Map<string, Operation[]>();
  for (const op of history) {
    const list = byKey.get(op.key) ?? [];
    list.push(op);
    byKey.set(op.key, list);
  }
  const failing = result.failure?.key;
  const unknown = new Set(result.perKey.filter((k) => k.verdict === 'unknown').map((k) => k.key));
  // The failing key first: it is the one a reader opens the report for; then the undecided ones.
  const rank = (key: string): number => (key === failing ? 0 : unknown.has(key) ? 1 : 2);
  const keys = [...byKey.keys()].sort((a, b) => rank(a) - rank(b)).slice(0, maxKeys);
  const omitted = byKey.size - keys.length;
  const sections = keys.map((key) => {
    const window = key === failing ? (result.failure?.window ?? []) : [];
    return keySection(key, byKey.get(key) ?? [], window, maxOps);
  });
  const title = options.title ?? `Cairn linearizability report: ${result.verdict}`;
  return [
    '<!DOCTYPE html>',
    '<html xmlns="http://www.w3.org/1999/xhtml" lang="en">',
    `<head><meta charset="utf-8"/><title>${escape(title)}</title><style>${STYLE}</style></head>`,
    '<body>',
    `<h1>${escape(title)}</h1>`,
    summary(result),
    failureSection(result),
    ...sections,
    omitted > 0 ? `<p>${omitted} more keys not drawn (maxKeys=${maxKeys}).</p>` : '',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

const STYLE = [
  'body{font:13px system-ui,sans-serif;margin:16px;color:#222}',
  'table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}',
  '.illegal{color:#b00020;font-weight:bold}.unknown{color:#a06000;font-weight:bold}.ok{color:#2a7a2a;font-weight:bold}',
  'pre{background:#f6f6f6;padding:8px;white-space:pre-wrap}',
  'svg text{font:10px monospace}',
].join('');

function summary(result: CheckResult): string {
  const rows = result.perKey
    .map((k) => `<tr><td>${escape(k.key)}</td><td class="${k.verdict}">${k.verdict}</td><td>${k.operations}</td><td>${k.statesExplored}</td><td>${escape(k.reason ?? '')}</td></tr>`)
    .join('');
  const elapsed = result.stats.elapsedMs !== undefined ? `, ${Math.round(result.stats.elapsedMs)} ms` : '';
  return [
    `<p>Verdict: <span class="${result.verdict}">${result.verdict}</span> — ${result.stats.operations} operations on ${result.stats.keys} keys, ${result.stats.statesExplored} states explored${elapsed}.</p>`,
    `<table><tr><th>key</th><th>verdict</th><th>operations searched</th><th>states</th><th>note</th></tr>${rows}</table>`,
  ].join('\n');
}

function failureSection(result: CheckResult): string {
  const failure = result.failure;
  if (failure === undefined) return '';
  const minimal = failure.minimal ? 'minimal: removing any one of them makes the rest orderable' : 'not proven minimal (a bound was hit while shrinking it)';
  const items = failure.window.map((op) => `<li>${escape(describeOperation(op))}</li>`).join('');
  return [
    `<h2 id="failure">Failing window on key ${escape(JSON.stringify(failure.key))}</h2>`,
    `<p>${failure.window.length} operations, ${minimal}${failure.fromInitialState ? '; it needs the initial state (key absent)' : ''}.</p>`,
    `<ul>${items}</ul>`,
    `<pre>${escape(failure.explanation)}</pre>`,
  ].join('\n');
}

function keySection(key: string, ops: readonly Operation[], window: readonly Operation[], maxOps: number): string {
  const shown = selectShown(ops, window, maxOps);
  const note = shown.length < ops.length ? ` (showing ${shown.length} of ${ops.length} operations${window.length > 0 ? ', around the failing window' : ''})` : '';
  return [`<h2>Key ${escape(JSON.stringify(key))}${escape(note)}</h2>`, renderKeyTimeline(shown, window)].join('\n');
}

/** The operations to draw: all when few; else those nearest the window (or the first ones). */
function selectShown(ops: readonly Operation[], window: readonly Operation[], maxOps: number): Operation[] {
  const sorted = [...ops].sort((a, b) => a.invokeTime - b.invokeTime || a.id - b.id);
  if (sorted.length <= maxOps) return sorted;
  if (window.length === 0) return sorted.slice(0, maxOps);
  const center = window.reduce((sum, op) => sum + op.invokeTime, 0) / window.length;
  const inWindow = new Set(window);
  const rest = sorted.filter((op) => !inWindow.has(op));
  rest.sort((a, b) => Math.abs(a.invokeTime - center) - Math.abs(b.invokeTime - center));
  const chosen = [...window, ...rest.slice(0, Math.max(0, maxOps - window.length))];
  return chosen.sort((a, b) => a.invokeTime - b.invokeTime || a.id - b.id);
}

/** One key's timeline as an SVG element: a row per client, window operations outlined in red. */
export function renderKeyTimeline(ops: readonly Operation[], window: readonly Operation[] = []): string {
  if (ops.length === 0) return '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>';
  const clients = [...new Set(ops.map((op) => op.clientId))].sort((a, b) => a - b);
  const row = new Map(clients.map((c, i) => [c, i]));
  const start = extreme(ops, (op) => op.invokeTime, Math.min);
  const end = extreme(ops, (op) => op.completeTime, Math.max);
  const span = end > start ? end - start : 1;
  const x = (t: number): number => LABEL_WIDTH_PX + ((t - start) / span) * PLOT_WIDTH_PX;
  const width = LABEL_WIDTH_PX + PLOT_WIDTH_PX + 20;
  const height = AXIS_HEIGHT_PX + clients.length * ROW_HEIGHT_PX + 10;
  const inWindow = new Set(window);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`];
  if (window.length > 0) parts.push(windowBand(window, x, height));
  parts.push(...axis(start, end, x));
  clients.forEach((c, i) => {
    parts.push(`<text x="4" y="${AXIS_HEIGHT_PX + i * ROW_HEIGHT_PX + 15}">client ${c}</text>`);
  });
  for (const op of ops) parts.push(bar(op, x, row.get(op.clientId) ?? 0, x(end), inWindow.has(op)));
  parts.push('</svg>');
  return parts.join('\n');
}

function windowBand(window: readonly Operation[], x: (t: number) => number, height: number): string {
  const from = x(extreme(window, (op) => op.invokeTime, Math.min));
  const to = x(extreme(window, (op) => op.completeTime, Math.max));
  return `<rect id="window-band" x="${fmt(from)}" y="0" width="${fmt(Math.max(2, to - from))}" height="${height}" fill="#ffdddd"><title>failing window</title></rect>`;
}

function axis(start: number, end: number, x: (t: number) => number): string[] {
  const parts = [`<line x1="${LABEL_WIDTH_PX}" y1="${AXIS_HEIGHT_PX - 4}" x2="${fmt(x(end))}" y2="${AXIS_HEIGHT_PX - 4}" stroke="#999"/>`];
  const ticks = 10;
  for (let i = 0; i <= ticks; i++) {
    const t = start + ((end - start) * i) / ticks;
    parts.push(`<text x="${fmt(x(t))}" y="12" text-anchor="middle">${escape(fmt(t))}</text>`);
  }
  return parts;
}

function bar(op: Operation, x: (t: number) => number, rowIndex: number, rightEdge: number, marked: boolean): string {
  const y = AXIS_HEIGHT_PX + rowIndex * ROW_HEIGHT_PX + 3;
  const x0 = x(op.invokeTime);
  const x1 = op.status === 'unknown' ? rightEdge : x(op.completeTime);
  const w = Math.max(2, x1 - x0);
  const fill = op.status === 'fail' ? '#dddddd' : KIND_COLORS[op.kind];
  const stroke = marked ? ' stroke="#d00000" stroke-width="2.5"' : ' stroke="#555" stroke-width="0.5"';
  const dash = op.status === 'unknown' ? ' stroke-dasharray="4 2" fill-opacity="0.45"' : '';
  const label = w > 40 ? `<text x="${fmt(x0 + 2)}" y="${y + 12}">${escape(shorten(`#${op.id} ${describeCall(op)}`, w / 6))}</text>` : '';
  const cls = marked ? 'op window' : 'op';
  return `<g class="${cls}" data-id="${op.id}"${marked ? ' data-window="true"' : ''}><title>${escape(describeOperation(op))}</title><rect x="${fmt(x0)}" y="${y}" width="${fmt(w)}" height="${ROW_HEIGHT_PX - 6}" fill="${fill}"${stroke}${dash}/>${label}</g>`;
}

/** The least or greatest of a field without spreading a large array onto the stack. */
function extreme(ops: readonly Operation[], field: (op: Operation) => number, pick: (a: number, b: number) => number): number {
  const [first] = ops;
  assert(first !== undefined, 'extreme of no operations');
  let result = field(first);
  for (const op of ops) result = pick(result, field(op));
  return result;
}

function shorten(text: string, maxChars: number): string {
  const limit = Math.max(1, Math.floor(maxChars));
  return text.length <= limit ? text : `${text.slice(0, Math.max(0, limit - 1))}…`;
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** Escapes text for XML content and attribute values alike. */
export function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

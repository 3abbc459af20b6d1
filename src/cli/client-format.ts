// How the interactive client prints replies: as redis-cli does on a terminal ((nil),
// (integer) 1, (error) ..., quoted strings, numbered and indented nested arrays), raw for pipes
// (one value per line), or as JSON for scripts.

import type { ServerReply } from '../resp/reply-parser.js';

/** redis-cli's terminal format (cliFormatReplyTTY). */
export function formatTTY(reply: ServerReply, prefix = ''): string {
  switch (reply.type) {
    case 'error': return `(error) ${reply.message}\n`;
    case 'simple': return `${reply.value}\n`;
    case 'integer': return `(integer) ${reply.value}\n`;
    case 'double': return `(double) ${reply.text}\n`;
    case 'bignum': return `(big number) ${reply.text}\n`;
    case 'boolean': return reply.value ? '(true)\n' : '(false)\n';
    case 'null': return '(nil)\n';
    case 'bulk': return `${quote(reply.value)}\n`;
    case 'verbatim': return `${reply.value.toString('utf8')}\n`;
    case 'array': case 'set': case 'push': return formatList(reply.type === 'set' ? '~' : ')', reply.items.map((item) => [item]), reply.items.length, prefix);
    case 'map': return formatList('#', reply.entries.map(([k, v]) => [k, v]), reply.entries.length * 2, prefix);
  }
}

/** Numbered elements; nested ones are indented by the width of their index. */
function formatList(separator: string, elements: readonly (readonly ServerReply[])[], countForWidth: number, prefix: string): string {
  if (elements.length === 0) return separator === '#' ? '(empty hash)\n' : '(empty array)\n';
  const width = String(countForWidth).length;
  const inner = prefix + ' '.repeat(width + 2);
  let out = '';
  elements.forEach((element, i) => {
    out += `${i === 0 ? '' : prefix}${String(i + 1).padStart(width)}${separator} `;
    out += formatTTY(element[0]!, inner);
    if (element.length === 2) out = `${out.slice(0, -1)} => ${formatTTY(element[1]!, inner)}`;
  });
  return out;
}

/** sdscatrepr: double quotes, C escapes, \xHH for anything unprintable. */
export function quote(bytes: Buffer): string {
  let out = '"';
  for (const byte of bytes) {
    switch (byte) {
      case 0x5c: out += '\\\\'; break;
      case 0x22: out += '\\"'; break;
      case 0x0a: out += '\\n'; break;
      case 0x0d: out += '\\r'; break;
      case 0x09: out += '\\t'; break;
      case 0x07: out += '\\a'; break;
      case 0x08: out += '\\b'; break;
      default: out += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
    }
  }
  return `${out}"`;
}

/** redis-cli's format when stdout is not a terminal: bare values, one per line. */
export function formatRaw(reply: ServerReply): string {
  switch (reply.type) {
    case 'error': return `${reply.message}\n`;
    case 'simple': return `${reply.value}\n`;
    case 'integer': return `${reply.value}\n`;
    case 'double': case 'bignum': return `${reply.text}\n`;
    case 'boolean': return reply.value ? '1\n' : '0\n';
    case 'null': return '\n';
    case 'bulk': case 'verbatim': return `${reply.value.toString('utf8')}\n`;
    case 'array': case 'set': case 'push': return reply.items.map(formatRaw).join('');
    case 'map': return reply.entries.map(([k, v]) => formatRaw(k) + formatRaw(v)).join('');
  }
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A JSON value for a reply: errors become {"error": "..."}; maps become objects. */
export function toJson(reply: ServerReply): Json {
  switch (reply.type) {
    case 'error': return { error: reply.message };
    case 'simple': return reply.value;
    case 'integer': return Number.isSafeInteger(Number(reply.value)) ? Number(reply.value) : reply.value.toString();
    case 'double': return Number.isFinite(Number(reply.text)) ? Number(reply.text) : reply.text;
    case 'bignum': return reply.text;
    case 'boolean': return reply.value;
    case 'null': return null;
    case 'bulk': case 'verbatim': return reply.value.toString('utf8');
    case 'array': case 'set': case 'push': return reply.items.map(toJson);
    case 'map': return Object.fromEntries(reply.entries.map(([k, v]) => [keyText(k), toJson(v)]));
  }
}

function keyText(reply: ServerReply): string {
  const value = toJson(reply);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

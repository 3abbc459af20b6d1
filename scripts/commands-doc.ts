// Keeps the command table of docs/COMMANDS.md true to the code: writes the rows between the
// `<!-- commands:begin -->` and `<!-- commands:end -->` markers from kv/'s KV_COMMANDS (name,
// arity, flags, keys, group, since), sorted by group then name. `--check` (run by `npm test`)
// fails instead when the file differs, naming the command to fix: `npm run docs:commands`.

import { readFileSync, writeFileSync } from 'node:fs';
import { KV_COMMANDS } from '../src/kv/commands.js';

const path = new URL('../docs/COMMANDS.md', import.meta.url);
const begin = '<!-- commands:begin -->';
const end = '<!-- commands:end -->';

function table(): string {
  const specs = [...KV_COMMANDS.values()].sort((a, b) => a.group.localeCompare(b.group) || a.name.localeCompare(b.name));
  const rows = specs.map((s) => `| ${s.name.toUpperCase()} | ${s.arity} | ${s.flags.join(', ')} | ${s.firstKey}, ${s.lastKey}, ${s.keyStep} | ${s.group} | ${s.since} |`);
  return ['| command | arity | flags | keys (first, last, step) | group | since |', '|---|---|---|---|---|---|', ...rows].join('\n');
}

const text = readFileSync(path, 'utf8');
const from = text.indexOf(begin);
const to = text.indexOf(end);
if (from === -1 || to < from) throw new Error(`docs/COMMANDS.md lacks the ${begin} ... ${end} markers`);
const updated = `${text.slice(0, from + begin.length)}\n${table()}\n${text.slice(to)}`;
if (process.argv.includes('--check')) {
  if (updated !== text) {
    const have = new Set(text.slice(from, to).split('\n'));
    const stale = updated.slice(from, from + begin.length + table().length + 2).split('\n').filter((line) => !have.has(line));
    console.error(`docs/COMMANDS.md's command table is out of date (run npm run docs:commands); first differing rows:\n${stale.slice(0, 5).join('\n')}`);
    process.exit(1);
  }
  console.log(`commands doc: ok (${KV_COMMANDS.size} commands)`);
} else {
  writeFileSync(path, updated);
  console.log(`docs/COMMANDS.md: ${KV_COMMANDS.size} commands`);
}

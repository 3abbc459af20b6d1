// COMMAND, COMMAND INFO and COMMAND DOCS replies built from the table's metadata, in the shapes
// Redis 7 returns (redis-cli reads COMMAND DOCS at start and gives up on a malformed reply).

import { bulkReply, integerReply, NULL, type Reply } from '../lib/reply.js';
import type { CommandMeta, TableEntry } from './command-table.js';

const aclCategory: Record<string, string> = {
  string: '@string', generic: '@keyspace', server: '@connection', hash: '@hash', list: '@list', set: '@set',
  'sorted-set': '@sortedset', bitmap: '@bitmap', hyperloglog: '@hyperloglog', stream: '@stream', geo: '@geo', scripting: '@scripting',
};

/** One COMMAND INFO element: name, arity, flags, first/last key, step, ACL categories, tips, key specs, subcommands. */
export function commandInfo(entry: TableEntry): Reply {
  const meta = entry.meta;
  const subcommands = entry.kind === 'container' ? [...entry.subcommands.values()].map(commandInfo) : [];
  const categories = [aclCategory[meta.group] ?? '@connection'];
  if (meta.flags.includes('write')) categories.push('@write');
  if (meta.flags.includes('readonly')) categories.push('@read');
  if (meta.flags.includes('fast')) categories.push('@fast');
  return {
    type: 'array',
    items: [
      bulkReply(meta.name),
      integerReply(meta.arity),
      { type: 'set', items: meta.flags.filter((f) => f !== 'internal').map((f) => ({ type: 'simple', value: f })) },
      integerReply(meta.firstKey),
      integerReply(meta.lastKey),
      integerReply(meta.keyStep),
      { type: 'set', items: categories.map((c) => ({ type: 'simple', value: c })) },
      { type: 'array', items: [] },
      { type: 'array', items: keySpecs(meta) },
      { type: 'array', items: subcommands },
    ],
  };
}

/** Redis 7 key specs derived from first/last/step: an index begin search and a range. */
function keySpecs(meta: CommandMeta): Reply[] {
  if (meta.firstKey === 0) return [];
  const lastKey = meta.lastKey < 0 ? meta.lastKey : meta.lastKey - meta.firstKey;
  const access = meta.flags.includes('write') ? 'RW' : 'RO';
  return [
    mapOf([
      ['flags', { type: 'set', items: [{ type: 'simple', value: access }] }],
      ['begin_search', mapOf([['type', bulkReply('index')], ['spec', mapOf([['index', integerReply(meta.firstKey)]])]])],
      [
        'find_keys',
        mapOf([
          ['type', bulkReply('range')],
          ['spec', mapOf([['lastkey', integerReply(lastKey)], ['keystep', integerReply(meta.keyStep)], ['limit', integerReply(0)]])],
        ]),
      ],
    ]),
  ];
}

/** One COMMAND DOCS value: summary, since, group, complexity, and the subcommands' docs. */
export function commandDocs(entry: TableEntry): Reply {
  const meta = entry.meta;
  const fields: [string, Reply][] = [
    ['summary', bulkReply(meta.summary)],
    ['since', bulkReply(meta.since)],
    ['group', bulkReply(meta.group)],
    ['complexity', bulkReply(meta.complexity)],
  ];
  if (entry.kind === 'container') {
    const subs = [...entry.subcommands.values()].map((sub): [string, Reply] => [sub.meta.name, commandDocs(sub)]);
    fields.push(['subcommands', mapOf(subs)]);
  }
  return mapOf(fields);
}

/** COMMAND INFO name...: one element per name, null for unknown names. */
export function commandInfoFor(entries: readonly (TableEntry | undefined)[]): Reply {
  return { type: 'array', items: entries.map((e) => (e === undefined ? NULL : commandInfo(e))) };
}

/** COMMAND DOCS name...: a map of the known names only. */
export function commandDocsFor(entries: readonly (TableEntry | undefined)[]): Reply {
  const known = entries.filter((e): e is TableEntry => e !== undefined);
  return mapOf(known.map((e): [string, Reply] => [e.meta.name, commandDocs(e)]));
}

function mapOf(fields: readonly (readonly [string, Reply])[]): Reply {
  return { type: 'map', entries: fields.map(([k, v]) => [bulkReply(k), v] as const) };
}

// The commands ACL rules name: Redis 7.0's every command and subcommand (redis-commands.ts,
// generated from redis-server's COMMAND INFO) plus Cairn's own, each with an id (its bit in a
// selector's command bitmap), its ACL categories and its key specs. Lookups fold ASCII case, as
// Redis's command dictionary does. Categories are listed in Redis's order (acl.c), which ACL CAT
// prints and the describing of a user's rules walks.

import { assert } from '../../lib/assert.js';
import type { CommandRow, KeySpecRow } from './command-rows.js';
import { REDIS_COMMAND_ROWS } from './redis-commands.js';

export const CATEGORIES: readonly string[] = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo', 'stream',
  'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting',
];

/** Cairn's commands that Redis 7.0 does not have, with the categories their kind calls for. */
const CAIRN_COMMAND_ROWS: readonly CommandRow[] = [
  ['delex', 'write,string,fast', [['RW,delete', ['i', 1], ['r', 0, 1, 0]]]],
  ['client|setinfo', 'slow,connection', []],
  ['cairn.revision', 'read,fast', []],
  ['cairn.retention', 'read,slow', []],
  ['cairn.watch', 'read,slow', []],
  ['cairn.unwatch', 'read,fast', []],
  ['cairn.digest', 'admin,slow,dangerous', []],
  ['cairn.relay', 'admin,slow,dangerous', []],
];

export interface CatalogCommand {
  readonly id: number;
  /** Lowercase; a subcommand as "container|sub". */
  readonly name: string;
  readonly categories: ReadonlySet<string>;
  readonly keySpecs: readonly KeySpecRow[];
  readonly parent: CatalogCommand | undefined;
  readonly subcommands: CatalogCommand[];
  /** Whether Redis 7.0 has it (describing rules counts categories over Redis's commands only). */
  readonly redis: boolean;
}

export class Catalog {
  readonly commands: CatalogCommand[] = [];
  /** Top-level commands in id order: the order the describing of rules walks. */
  readonly topLevel: CatalogCommand[] = [];
  private readonly byName = new Map<string, CatalogCommand>();
  private readonly byCategory = new Map<string, CatalogCommand[]>();

  constructor(rows: readonly CommandRow[], ownRows: readonly CommandRow[]) {
    for (const category of CATEGORIES) this.byCategory.set(category, []);
    for (const row of rows) this.add(row, true);
    for (const row of ownRows) if (!this.byName.has(row[0])) this.add(row, false);
  }

  get size(): number {
    return this.commands.length;
  }

  /** A command or "container|sub" by name in any case; undefined for anything else (Redis's ACLLookupCommand). */
  lookup(name: string): CatalogCommand | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /** The commands in a category (any case), in id order; undefined for an unknown category. */
  category(name: string): readonly CatalogCommand[] | undefined {
    return this.byCategory.get(name.toLowerCase());
  }

  private add(row: CommandRow, redis: boolean): void {
    const [name, categoryText, keySpecs] = row;
    const bar = name.indexOf('|');
    const parent = bar === -1 ? undefined : this.byName.get(name.slice(0, bar));
    assert(bar === -1 || parent !== undefined, `subcommand ${name} follows its container`);
    const categories = new Set(categoryText === '' ? [] : categoryText.split(','));
    const command: CatalogCommand = { id: this.commands.length, name, categories, keySpecs, parent, subcommands: [], redis };
    this.commands.push(command);
    this.byName.set(name, command);
    if (parent === undefined) this.topLevel.push(command);
    else parent.subcommands.push(command);
    for (const category of categories) this.byCategory.get(category)?.push(command);
  }
}

/** The one catalog: Redis 7.0's commands, then Cairn's own. */
export const CATALOG = new Catalog(REDIS_COMMAND_ROWS, CAIRN_COMMAND_ROWS);

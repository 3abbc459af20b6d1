// Which arguments of a command are keys, and whether each is read or written, as Redis 7.0's
// getKeysFromCommandWithSpecs finds them: from the command's key specs (begin search by index or
// keyword, find keys by range or by a key count), or — for the commands whose specs are incomplete
// or whose flags vary with the arguments — the way their own getkeys functions do (SORT's STORE,
// MIGRATE's KEYS, SET's GET, BITFIELD's subcommands).

import type { CatalogCommand } from './catalog.js';
import type { KeySpecRow } from './command-rows.js';
import { READ, WRITE } from './selector.js';

export interface KeyRef {
  /** The argument's index in argv. */
  readonly index: number;
  /** READ | WRITE: the permissions a pattern must grant (0: any pattern). */
  readonly needs: number;
}

function needsOf(flags: string): number {
  let needs = 0;
  for (const flag of flags.split(',')) {
    if (flag === 'access') needs |= READ;
    else if (flag === 'insert' || flag === 'delete' || flag === 'update') needs |= WRITE;
  }
  return needs;
}

function lower(arg: Uint8Array | undefined): string {
  return arg === undefined ? '' : Buffer.from(arg).toString('latin1').toLowerCase();
}

function beginOf(spec: KeySpecRow, argv: readonly Uint8Array[]): number | undefined {
  const begin = spec[1];
  if (begin[0] === 'i') return begin[1] as number;
  const keyword = String(begin[1]).toLowerCase();
  const startFrom = begin[2] as number;
  const start = startFrom > 0 ? startFrom : argv.length + startFrom;
  const end = startFrom > 0 ? argv.length - 1 : 1;
  for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
    if (i >= argv.length || i < 1) break;
    if (lower(argv[i]) === keyword) return i + 1;
  }
  return undefined;
}

/** One spec's keys appended to `out`; false when the spec does not fit the arguments (Redis's invalid_spec). */
function specKeys(spec: KeySpecRow, argv: readonly Uint8Array[], out: KeyRef[]): boolean {
  if (spec[1][0] === 'u' || spec[2][0] === 'u') return false;
  let first = beginOf(spec, argv);
  if (first === undefined) return true;
  const find = spec[2];
  let last: number;
  let step: number;
  if (find[0] === 'r') {
    const [, lastKey, keyStep, limit] = find as [string, number, number, number];
    last = lastKey >= 0 ? first + lastKey : limit === 0 ? argv.length + lastKey : first + (Math.floor((argv.length - first) / limit) + lastKey);
    step = keyStep;
  } else {
    const [, keyNumIndex, firstKey, keyStep] = find as [string, number, number, number];
    if (keyNumIndex >= argv.length) return false;
    const text = lower(argv[first + keyNumIndex]);
    if (!/^(0|[1-9][0-9]*)$/.test(text)) return false;
    first += firstKey;
    last = first + Number(text) - 1;
    step = keyStep;
  }
  if (last < first) return true;
  if (last >= argv.length || first >= argv.length) return false;
  const needs = needsOf(spec[0]);
  for (let i = first; i <= last; i += step) out.push({ index: i, needs });
  return true;
}

/** The keys of SORT / SORT_RO (the key, and STORE's destination) as sortGetKeys finds them. */
function sortKeys(argv: readonly Uint8Array[]): KeyRef[] {
  const keys: KeyRef[] = [{ index: 1, needs: READ }];
  const skips: Record<string, number> = { limit: 2, get: 1, by: 1 };
  for (let i = 2; i < argv.length; i++) {
    const option = lower(argv[i]);
    const skip = skips[option];
    if (skip !== undefined) i += skip;
    else if (option === 'store' && i + 1 < argv.length) {
      keys[1] = { index: i + 1, needs: WRITE };
      i++;
    }
  }
  return keys;
}

/** MIGRATE host port key|"" db timeout [... KEYS k1 k2]: migrateGetKeys. */
function migrateKeys(argv: readonly Uint8Array[]): KeyRef[] {
  const needs = READ | WRITE;
  if (argv.length > 6) {
    for (let i = 6; i < argv.length; i++) {
      const option = lower(argv[i]);
      if (option === 'auth') i += 1;
      else if (option === 'auth2') i += 2;
      else if (option === 'keys' && argv[3]?.length === 0) return argv.slice(i + 1).map((_, j) => ({ index: i + 1 + j, needs }));
    }
  }
  return argv.length > 3 ? [{ index: 3, needs }] : [];
}

/** The keys a command names, with the permission each needs. */
export function commandKeys(command: CatalogCommand, argv: readonly Uint8Array[]): KeyRef[] {
  switch (command.name) {
    case 'sort': case 'sort_ro': return sortKeys(argv);
    case 'migrate': return migrateKeys(argv);
    case 'set': return argv.length > 1 ? [{ index: 1, needs: argv.slice(3).some((a) => lower(a) === 'get') ? READ | WRITE : WRITE }] : [];
    case 'bitfield': return argv.length > 1 ? [{ index: 1, needs: argv.slice(2).some((a) => ['set', 'incrby'].includes(lower(a))) ? READ | WRITE : READ }] : [];
  }
  const keys: KeyRef[] = [];
  for (const spec of command.keySpecs) {
    if (spec[0].split(',').includes('not_key')) continue;
    if (!specKeys(spec, argv, keys)) return [];
  }
  return keys;
}

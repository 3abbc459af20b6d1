// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]: the longest common subsequence of two
// string values by Redis 7.0's dynamic programming table, walked back the same way (ties go to
// the second string), so the subsequence and the match ranges are the ones Redis reports.

import { bulkReply, errorReply, integerReply, type Reply } from '../lib/reply.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX, parseInt64 } from './args.js';
import { isOption, keyOf } from './bytes.js';
import type { CommandSpec, ExecContext } from './command-types.js';
import { STRING_BYTES_MAX } from './ranges.js';
import { lookupString } from './typed.js';

const ERR_NOT_STRINGS = errorReply('ERR The specified keys must contain string values');
const ERR_LEN_AND_IDX = errorReply('ERR If you want both the length and indexes, please just use IDX.');
const ERR_TABLE_TOO_BIG = errorReply('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
/** Redis allocates a uint32 per table cell and refuses a table larger than proto-max-bulk-len. */
const CELL_BYTES_IN_REDIS = 4;
const EMPTY = new Uint8Array(0);

interface LcsOptions {
  len: boolean;
  idx: boolean;
  withMatchLen: boolean;
  minMatchLen: bigint;
}

function parseOptions(argv: readonly Uint8Array[]): LcsOptions | Reply {
  const options: LcsOptions = { len: false, idx: false, withMatchLen: false, minMatchLen: 0n };
  for (let j = 3; j < argv.length; j++) {
    const option = argv[j] as Uint8Array;
    if (isOption(option, 'idx')) options.idx = true;
    else if (isOption(option, 'len')) options.len = true;
    else if (isOption(option, 'withmatchlen')) options.withMatchLen = true;
    else if (isOption(option, 'minmatchlen') && j + 1 < argv.length) {
      const value = parseInt64(argv[++j] as Uint8Array);
      if (value === undefined) return ERR_NOT_INTEGER;
      options.minMatchLen = value < 0n ? 0n : value;
    } else return ERR_SYNTAX;
  }
  return options.idx && options.len ? ERR_LEN_AND_IDX : options;
}

/**
 * table[i × (b.length + 1) + j] = the LCS length of a[0..i) and b[0..j). Cells fit 16 bits: the
 * size cap keeps the shorter string under 2^14 bytes.
 */
function buildTable(a: Uint8Array, b: Uint8Array): Uint16Array {
  const width = b.length + 1;
  const table = new Uint16Array((a.length + 1) * width);
  for (let i = 1; i <= a.length; i++) {
    const row = i * width;
    const up = row - width;
    const ai = a[i - 1];
    for (let j = 1; j <= b.length; j++) {
      if (ai === b[j - 1]) table[row + j] = (table[up + j - 1] as number) + 1;
      else table[row + j] = Math.max(table[up + j] as number, table[row + j - 1] as number);
    }
  }
  return table;
}

/** Walks the table back from the end: the subsequence and the ranges of matching runs (last first). */
function walkBack(a: Uint8Array, b: Uint8Array, table: Uint16Array, options: LcsOptions): { text: Uint8Array; matches: Reply[] } {
  const width = b.length + 1;
  let remaining = table[a.length * width + b.length] as number;
  const text = new Uint8Array(remaining);
  const matches: Reply[] = [];
  let aStart = -1; // -1: no run open
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  const emit = () => {
    const length = aEnd - aStart + 1;
    if (options.minMatchLen === 0n || BigInt(length) >= options.minMatchLen) {
      const ranges: Reply[] = [pair(aStart, aEnd), pair(bStart, bEnd)];
      if (options.withMatchLen) ranges.push(integerReply(length));
      matches.push({ type: 'array', items: ranges });
    }
    aStart = -1;
  };
  for (let i = a.length, j = b.length; i > 0 && j > 0;) {
    if (a[i - 1] === b[j - 1]) {
      text[--remaining] = a[i - 1] as number;
      if (aStart === -1) [aStart, aEnd, bStart, bEnd] = [i - 1, i - 1, j - 1, j - 1];
      else [aStart, bStart] = [i - 1, j - 1]; // contiguous with the open run: a match follows a match
      i--;
      j--;
      if (aStart === 0 || bStart === 0) emit();
    } else {
      if ((table[(i - 1) * width + j] as number) > (table[i * width + j - 1] as number)) i--;
      else j--;
      if (aStart !== -1) emit();
    }
  }
  return { text, matches };
}

function pair(start: number, end: number): Reply {
  return { type: 'array', items: [integerReply(start), integerReply(end)] };
}

function lcs(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const recordA = lookupString(ctx.db, keyOf(argv[1] as Uint8Array), ctx.nowMs);
  const recordB = lookupString(ctx.db, keyOf(argv[2] as Uint8Array), ctx.nowMs);
  if (recordA === null || recordB === null) return ERR_NOT_STRINGS;
  const options = parseOptions(argv);
  if (!('idx' in options)) return options;
  const a = recordA?.value ?? EMPTY;
  const b = recordB?.value ?? EMPTY;
  if ((a.length + 1) * (b.length + 1) * CELL_BYTES_IN_REDIS > STRING_BYTES_MAX) return ERR_TABLE_TOO_BIG;
  const table = buildTable(a, b);
  const length = table[table.length - 1] as number;
  if (options.len) return integerReply(length);
  const { text, matches } = walkBack(a, b, table, options);
  if (!options.idx) return { type: 'bulk', value: text };
  return {
    type: 'map',
    entries: [[bulkReply('matches'), { type: 'array', items: matches }], [bulkReply('len'), integerReply(length)]],
  };
}

export const LCS_COMMANDS: readonly CommandSpec[] = [
  { name: 'lcs', arity: -3, flags: ['readonly'], firstKey: 1, lastKey: 2, keyStep: 1, group: 'string', since: '7.0.0',
    summary: 'Find longest common substring', complexity: 'O(N*M) where N and M are the lengths of s1 and s2, respectively', handler: lcs },
];

// Where a blocking command names its keys and its timeout: BLPOP, BRPOP, BZPOPMIN, BZPOPMAX
// (keys..., timeout in seconds), BRPOPLPUSH and BLMOVE (source, ..., timeout), BLMPOP and BZMPOP
// (timeout, numkeys, keys...), and XREAD / XREADGROUP with BLOCK (milliseconds; the STREAMS keys;
// XREAD's `$` ids are resolved to the streams' last ids before the first try).
// Only called once kv/ has run the command and found nothing to serve, so the arguments are valid.

import { Buffer } from 'node:buffer';
import { parseTimeoutMs } from '../kv/list/blocking.js';
import { blockingKeys, blockingTimeoutMs } from '../kv/lists.js';
import { zsetBlockingKeys } from '../kv/zsets.js';
import { streamBlockingKeys } from '../kv/streams.js';

export interface BlockingCall {
  /** The keys whose change may let the command serve. */
  readonly keys: readonly Uint8Array[];
  /** How long to wait, in ms; 0 waits forever (Redis's timeout 0). */
  readonly timeoutMs: number;
}

/** The keys and timeout of a blocking command, or undefined when argv does not block (XREAD without BLOCK). */
export function blockingCall(name: string, argv: readonly Uint8Array[]): BlockingCall | undefined {
  switch (name) {
    case 'blpop':
    case 'brpop':
    case 'brpoplpush':
    case 'blmove':
    case 'blmpop':
      return { keys: blockingKeys(argv) ?? [], timeoutMs: blockingTimeoutMs(argv) ?? 0 };
    case 'bzpopmin':
    case 'bzpopmax':
      return { keys: zsetBlockingKeys(argv) ?? [], timeoutMs: secondsToMs(argv[argv.length - 1]!) };
    case 'bzmpop':
      return { keys: zsetBlockingKeys(argv) ?? [], timeoutMs: secondsToMs(argv[1]!) };
    case 'xread':
    case 'xreadgroup':
      return streamRead(argv);
    default:
      return undefined;
  }
}

/** XREAD(GROUP) [...] [BLOCK ms] [...] STREAMS k1..kn id1..idn: undefined without BLOCK. */
function streamRead(argv: readonly Uint8Array[]): BlockingCall | undefined {
  const keys = streamBlockingKeys(argv);
  if (keys === undefined) return undefined;
  const at = argv.findIndex((arg, i) => i > 0 && text(arg).toLowerCase() === 'block');
  return { keys, timeoutMs: Number(text(argv[at + 1]!)) };
}

/**
 * XREAD ... STREAMS keys ids with each `$` replaced by `lastIds` (the streams' last ids when the
 * client blocked): a retry must not read `$` again, which would then mean the newest id and skip
 * the entry that woke it.
 */
export function withDollarResolved(argv: readonly Uint8Array[], lastIds: ReadonlyMap<number, string>): Uint8Array[] {
  return argv.map((arg, i) => {
    const id = lastIds.get(i);
    return id === undefined ? arg : Buffer.from(id, 'latin1');
  });
}

/** The argv positions of XREAD's `$` ids, with the key each belongs to. */
export function dollarIds(argv: readonly Uint8Array[]): { readonly at: number; readonly key: Uint8Array }[] {
  const streams = argv.findIndex((arg, i) => i > 0 && text(arg).toLowerCase() === 'streams');
  if (streams === -1) return [];
  const count = (argv.length - streams - 1) / 2;
  const out: { at: number; key: Uint8Array }[] = [];
  for (let k = 0; k < count; k++) {
    const at = streams + 1 + count + k;
    if (text(argv[at]!) === '$') out.push({ at, key: argv[streams + 1 + k]! });
  }
  return out;
}

/** A timeout in seconds as Redis reads it (long double, times 1000, truncated); kv/ already refused a bad one. */
function secondsToMs(arg: Uint8Array): number {
  const timeoutMs = parseTimeoutMs(arg);
  return typeof timeoutMs === 'number' ? timeoutMs : 0;
}

function text(arg: Uint8Array): string {
  return Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength).toString('latin1');
}

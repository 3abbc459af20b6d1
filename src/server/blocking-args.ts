// Where a blocking command names its keys and its timeout: BLPOP, BRPOP, BZPOPMIN, BZPOPMAX
// (keys..., timeout in seconds), BRPOPLPUSH and BLMOVE (source, ..., timeout), BLMPOP and BZMPOP
// (timeout, numkeys, keys...), and XREAD / XREADGROUP with BLOCK (milliseconds; the STREAMS keys).
// Only called once kv/ has run the command and found nothing to serve, so the arguments are valid.

import { Buffer } from 'node:buffer';
import { parseTimeoutMs } from '../kv/list/blocking.js';
import { blockingKeys, blockingTimeoutMs } from '../kv/lists.js';
import { zsetBlockingKeys } from '../kv/zsets.js';

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
  let timeoutMs: number | undefined;
  for (let i = 1; i < argv.length; i++) {
    const option = text(argv[i]!).toLowerCase();
    if (option === 'block') timeoutMs = Number(text(argv[i + 1]!));
    if (option !== 'streams') continue;
    if (timeoutMs === undefined) return undefined;
    const rest = argv.slice(i + 1);
    return { keys: rest.slice(0, rest.length / 2), timeoutMs };
  }
  return undefined;
}

/** A timeout in seconds as Redis reads it (long double, times 1000, truncated); kv/ already refused a bad one. */
function secondsToMs(arg: Uint8Array): number {
  const timeoutMs = parseTimeoutMs(arg);
  return typeof timeoutMs === 'number' ? timeoutMs : 0;
}

function text(arg: Uint8Array): string {
  return Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength).toString('latin1');
}

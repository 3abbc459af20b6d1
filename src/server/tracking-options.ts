// CLIENT TRACKING's arguments, parsed and checked as Redis 7.0's clientCommand does, in its order
// and with its error texts: the options first (syntax, REDIRECT to a client that exists), then for
// ON their compatibility with each other and with the client's current mode, then BCAST prefixes
// that overlap each other or the client's own. Pure: the caller says which client ids exist.

import { errorReply, type Reply } from '../lib/reply.js';
import { parseRedisInteger } from '../resp/parser.js';
import type { ClientTracking, TrackingOptions } from './tracking-table.js';

export type TrackingRequest = { readonly on: true; readonly options: TrackingOptions } | { readonly on: false };

const syntaxError = errorReply('ERR syntax error');
const notInteger = errorReply('ERR value is not an integer or out of range');

/** `argv` is the whole command (CLIENT TRACKING on|off ...); `current` the client's mode when tracking. */
export function parseTracking(argv: readonly Uint8Array[], current: ClientTracking | undefined, clientExists: (id: number) => boolean): TrackingRequest | Reply {
  const parsed = parseOptions(argv, clientExists);
  if ('type' in parsed) return parsed;
  const onOff = Buffer.from(argv[2]!).toString('latin1').toLowerCase();
  if (onOff === 'off') return { on: false };
  if (onOff !== 'on') return syntaxError;
  const problem = incompatibility(parsed, current);
  return problem === undefined ? { on: true, options: parsed } : errorReply(`ERR ${problem}`);
}

function parseOptions(argv: readonly Uint8Array[], clientExists: (id: number) => boolean): TrackingOptions | Reply {
  let redirect = 0;
  let bcast = false, optin = false, optout = false, noloop = false;
  const prefixes: string[] = [];
  for (let j = 3; j < argv.length; j++) {
    const option = Buffer.from(argv[j]!).toString('latin1').toLowerCase();
    const more = j < argv.length - 1;
    if (option === 'redirect' && more) {
      j++;
      if (redirect !== 0) return errorReply('ERR A client can only redirect to a single other client');
      const id = parseRedisInteger(argv[j]!, 0, argv[j]!.length);
      if (id === undefined) return notInteger;
      if (!clientExists(id)) return errorReply('ERR The client ID you want redirect to does not exist');
      redirect = id;
    } else if (option === 'bcast') bcast = true;
    else if (option === 'optin') optin = true;
    else if (option === 'optout') optout = true;
    else if (option === 'noloop') noloop = true;
    else if (option === 'prefix' && more) prefixes.push(Buffer.from(argv[++j]!).toString('latin1'));
    else return syntaxError;
  }
  return { redirect, bcast, optin, optout, noloop, prefixes };
}

/** Redis's checks before enableTracking, in its order; the text after "ERR ", or undefined. */
function incompatibility(options: TrackingOptions, current: ClientTracking | undefined): string | undefined {
  if (!options.bcast && options.prefixes.length > 0) return 'PREFIX option requires BCAST mode to be enabled';
  if (current !== undefined && current.bcast !== options.bcast) {
    return 'You can\'t switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.';
  }
  if (options.bcast && (options.optin || options.optout)) return 'OPTIN and OPTOUT are not compatible with BCAST';
  if (options.optin && options.optout) return 'You can\'t specify both OPTIN mode and OPTOUT mode';
  if ((options.optin && current?.optout === true) || (options.optout && current?.optin === true)) {
    return 'You can\'t switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.';
  }
  return options.bcast ? prefixCollision(options.prefixes, current?.prefixes ?? new Set()) : undefined;
}

/** Redis's checkPrefixCollisionsOrReply: no prefix may be a prefix of another, held or given. */
function prefixCollision(prefixes: readonly string[], held: ReadonlySet<string>): string | undefined {
  for (let i = 0; i < prefixes.length; i++) {
    const prefix = prefixes[i]!;
    for (const existing of held) {
      if (overlaps(existing, prefix)) return `Prefix '${prefix}' overlaps with an existing prefix '${existing}'. Prefixes for a single client must not overlap.`;
    }
    for (let j = i + 1; j < prefixes.length; j++) {
      if (overlaps(prefix, prefixes[j]!)) return `Prefix '${prefix}' overlaps with another provided prefix '${prefixes[j]!}'. Prefixes for a single client must not overlap.`;
    }
  }
  return undefined;
}

/** Redis's stringCheckPrefix: one is a prefix of the other. */
function overlaps(a: string, b: string): boolean {
  const length = Math.min(a.length, b.length);
  return a.slice(0, length) === b.slice(0, length);
}

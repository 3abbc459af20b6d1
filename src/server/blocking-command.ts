// One blocking command of one client, outside MULTI: try it (kv/ serves it at once when it can,
// else answers the null reply Redis gives a timed-out block); when it finds nothing, wait for one
// of its keys to change and try again through the log, until it serves, the timeout passes or the
// client goes away. Each try is an ordinary log entry, so a popped element is delivered by exactly
// one try; a try whose outcome is unknown (leader lost) answers the error, never a retry.

import type { Reply } from '../lib/reply.js';
import type { Clock } from '../io/clock.js';
import type { Backend, ReadConsistency } from './backend.js';
import { Buffer } from 'node:buffer';
import { blockingCall, dollarIds, withDollarResolved } from './blocking-args.js';
import type { BlockedClients } from './blocked-clients.js';
import { failureReplies } from './write-failure.js';

export interface BlockingContext {
  readonly backend: Backend;
  readonly blocked: BlockedClients;
  readonly monotonicMs: () => number;
  /** Identifies the client, for cancelling its wait when it disconnects. */
  readonly owner: object;
  readonly consistency: ReadConsistency;
  /** The client's selected database. */
  readonly db: number;
}

/** The context of one client's blocking command, from its server's parts. */
export function blockingContext(
  server: { readonly backend: Backend; readonly blocked: BlockedClients; readonly clock: Clock },
  owner: object,
  consistency: ReadConsistency,
  db: number,
): BlockingContext {
  return { backend: server.backend, blocked: server.blocked, owner, consistency, db, monotonicMs: () => server.clock.monotonicMs() };
}

/** Runs a blocking command (`write`: it goes through the log; XREAD is a read). */
export async function runBlocking(ctx: BlockingContext, name: string, write: boolean, given: readonly Uint8Array[]): Promise<Reply> {
  const call = blockingCall(name, given);
  const argv = call !== undefined && name === 'xread' ? await resolveDollar(ctx, given) : given;
  const keys = call?.keys ?? [];
  let versions = await ctx.blocked.versions(keys, ctx.db);
  let reply = await tryOnce(ctx, write, argv);
  if (call === undefined || !foundNothing(reply)) return reply;
  const deadlineMs = call.timeoutMs === 0 ? Infinity : ctx.monotonicMs() + call.timeoutMs;
  const seq = ctx.blocked.takeSeq();
  let nothing = reply;
  for (;;) {
    const remainingMs = deadlineMs === Infinity ? 0 : Math.max(1, Math.ceil(deadlineMs - ctx.monotonicMs()));
    const reason = await ctx.blocked.wait({ owner: ctx.owner, seq, keys, db: ctx.db, versions }, remainingMs);
    if (reason !== 'changed') return nothing;
    versions = await ctx.blocked.versions(keys, ctx.db);
    reply = await tryOnce(ctx, write, argv);
    // A key that now holds another type keeps the client blocked, as in Redis 7.0.
    if (reply.type === 'error' && reply.message.startsWith('WRONGTYPE')) continue;
    if (!foundNothing(reply)) return reply;
    nothing = reply;
  }
}

/** XREAD with `$` ids, each replaced by its stream's last id now (0-0 for a stream not there yet). */
async function resolveDollar(ctx: BlockingContext, argv: readonly Uint8Array[]): Promise<readonly Uint8Array[]> {
  const dollars = dollarIds(argv);
  if (dollars.length === 0) return argv;
  const lastIds = new Map<number, string>();
  for (const { at, key } of dollars) {
    const info = await ctx.backend.read([Buffer.from('XINFO'), Buffer.from('STREAM'), key], ctx.consistency, ctx.db);
    lastIds.set(at, lastGeneratedId(info) ?? '0-0');
  }
  return withDollarResolved(argv, lastIds);
}

/** XINFO STREAM's last-generated-id, or undefined (no such key, another type). */
function lastGeneratedId(info: Reply): string | undefined {
  if (info.type !== 'map') return undefined;
  for (const [field, value] of info.entries) {
    if (field.type === 'bulk' && Buffer.from(field.value).toString('latin1') === 'last-generated-id' && value.type === 'bulk') {
      return Buffer.from(value.value).toString('latin1');
    }
  }
  return undefined;
}

async function tryOnce(ctx: BlockingContext, write: boolean, argv: readonly Uint8Array[]): Promise<Reply> {
  if (!write) return ctx.backend.read(argv, ctx.consistency, ctx.db);
  try {
    const replies = await ctx.backend.write(ctx.db === 0 ? { commands: [argv], watches: [] } : { commands: [argv], watches: [], dbs: [ctx.db] });
    return replies[0]!;
  } catch (error) {
    return failureReplies(error)[0]!;
  }
}

/** The null replies kv/ gives a blocking command that found nothing to serve. */
function foundNothing(reply: Reply): boolean {
  return reply.type === 'null' || reply.type === 'nullArray';
}

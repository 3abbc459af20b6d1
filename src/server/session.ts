// One client's state and command dispatch, independent of sockets: protocol version, name, auth,
// READONLY (how its reads are served), the MULTI queue and WATCHed keys, and the ordering of its commands against the backend.
//
// Ordering: consecutive writes of one read are gathered into one backend entry (applied in order,
// one reply each, like EXEC without its all-or-nothing queueing errors), so a pipeline costs one
// log record and group commit batches the entries of all clients. A read waits for every earlier
// write of the same client and a write after a read waits for that read, so each client sees its
// own commands take effect in the order it sent them.

import { assert } from '../lib/assert.js';
import { errorReply, type Reply } from '../lib/reply.js';
import type { Protocol } from '../resp/encode.js';
import type { ReadConsistency, WriteEntry } from './backend.js';
import { execAbortWatchFailed, settledWatch, versionsLanded, watchFailed, WatchedKeys, watchPending, type Watch } from './watched-keys.js';
import type { TableEntry } from './command-table.js';
import { blockingContext, runBlocking } from './blocking-command.js';
import { failureReplies } from './write-failure.js';
import { refusalBeforeRun } from './busy-script.js';
import { allowedBeforeAuth, argvBytes, entryDbs, inEntry, runsInsideMulti, type QueuedCommand } from './queued-commands.js';
import type { Peer, ServerContext } from './session-context.js';
import { ClientPubsub } from './pubsub-client.js';
import { ClientWatches } from './watch-client.js';
import { isReadOnlyEval } from '../kv/scripts.js';
import { GatheredReply, settleable, type GatheredEntry, type TurnReply } from './gathered-reply.js';

export type { Peer, ServerContext } from './session-context.js';

/** Consecutive writes gathered into one entry, issued when the turn ends or order demands. */
interface WriteBatch extends GatheredEntry {
  readonly commands: (readonly Uint8Array[])[];
  /** The database of each command (a SELECT between two writes changes it). */
  readonly dbs: number[];
  bytes: number;
  readonly settle: (replies: Reply[]) => void;
}

/** Caps on one gathered entry, well under the log's record limit. */
const batchCommandsMax = 1024;
const batchBytesMax = 4 * 1024 * 1024;
/** Bytes of arguments one MULTI may queue: its EXEC is one log record (limit 64 MiB). */
const multiBytesMax = 48 * 1024 * 1024;

const noauth = errorReply('NOAUTH Authentication required.');
const queued: Reply = Object.freeze({ type: 'simple', value: 'QUEUED' });
const noop = (): void => undefined;

export class Session {
  protocol: Protocol = 2;
  name = '';
  libName = '';
  libVersion = '';
  authenticated: boolean;
  /** The ACL user this client runs as, and the incarnation it authenticated against (acl-guard.ts). */
  user = 'default';
  userIncarnation = 0;
  /** Set by QUIT: the connection closes once this command's reply is written. */
  closeAfterReply = false;
  readonly createdAtMs: number;
  lastCommandAtMs: number;
  lastCommandName = 'NULL';
  /** 'local' after READONLY: reads are served from this node's applied state, possibly stale. */
  readConsistency: ReadConsistency = 'linearizable';
  /** The SELECTed database: every command of this client runs in it. */
  db = 0;
  /** Its channel subscriptions (subscribe mode) and the push path pub/sub, tracking and watches share. */
  readonly pubsub: ClientPubsub;
  /** Its CAIRN.WATCH watches (watch mode in RESP2). */
  readonly watches: ClientWatches;

  private multi: QueuedCommand[] | undefined;
  private multiBytes = 0;
  private multiDirty = false;
  /** Versions are filled in when WATCH's ordered step runs, which is before any later write is issued. */
  private readonly watched = new WatchedKeys();
  private barrier: Promise<void> | undefined;
  private writesSinceBarrier: Promise<unknown>[] = [];
  private batch: WriteBatch | undefined;

  constructor(
    readonly id: number,
    private readonly server: ServerContext,
    readonly peer: Peer,
  ) {
    assert(Number.isSafeInteger(id) && id > 0, 'client ids are positive integers');
    this.authenticated = server.acl.startsAuthenticated();
    this.createdAtMs = server.clock.nowMs();
    this.lastCommandAtMs = this.createdAtMs;
    this.pubsub = new ClientPubsub(this);
    this.watches = new ClientWatches(this);
  }

  /** Pushes a frame to this client out of band (RESP3 `>`, RESP2 array), within its output buffer limit. */
  push(frame: Reply, afterReplies = false): void {
    this.pubsub.push(frame, afterReplies);
  }

  get context(): ServerContext { return this.server; }

  get inMulti(): boolean { return this.multi !== undefined; }

  get multiQueueLength(): number {
    return this.multi?.length ?? -1;
  }

  /** Bytes of arguments queued by MULTI (CLIENT LIST's multi-mem). */
  get multiQueueBytes(): number {
    return this.multiBytes;
  }

  get watchCount(): number { return this.watched.size; }

  /** Runs one command; the reply is a Promise only when it waits for the backend. */
  execute(argv: readonly Buffer[]): Reply | Promise<Reply> { return settleable(this.executeInTurn(argv)); }

  /** As execute, but a gathered write's reply stays a GatheredReply (the connection awaits its entry once per turn). */
  executeInTurn(argv: readonly Buffer[]): TurnReply {
    assert(argv.length > 0, 'a command has a name');
    this.server.countCommand();
    const resolved = this.server.table.resolve(argv);
    if (!resolved.ok) return this.reject(resolved.error);
    const entry = resolved.entry;
    this.lastCommandName = entry.meta.name;
    if (!this.authenticated && !allowedBeforeAuth.has(entry.meta.name)) return this.reject(noauth);
    const denied = this.server.acl.refuses(this, entry, argv);
    if (denied !== undefined) return this.reject(denied, entry.meta.name);
    const refused = this.pubsub.refuses(entry.meta.name) ?? this.watches.refuses(entry.meta.name) ?? refusalBeforeRun(entry.meta.name, argv, this.server.backend, this.server.settings.busyReplyThresholdMs, this.server.memory?.refuses(entry) === true, !this.idle());
    if (refused !== undefined) return this.reject(refused, entry.meta.name);
    if (entry.kind === 'data') this.server.memory?.noteAccess(entry.meta, argv, this.db);
    if (this.multi !== undefined && !runsInsideMulti.has(entry.meta.name)) return this.enqueue(entry, argv);
    this.server.tracking?.beforeRun(this, entry, argv);
    return this.run(entry, argv);
  }

  /** A command refused before it runs (Redis's rejectCommand): it flags a transaction, and a refused EXEC discards it. */
  private reject(reply: Reply, name?: string): Reply {
    if (this.multi === undefined) return reply;
    if (name !== 'exec' || reply.type !== 'error') {
      this.multiDirty = true;
      return reply;
    }
    this.endMulti();
    return errorReply(`EXECABORT Transaction discarded because of: ${reply.message}`);
  }

  /** Called by the connection when a read arrives (CLIENT LIST's idle time). */
  touch(): void {
    this.lastCommandAtMs = this.server.clock.nowMs();
  }

  /** Called by the connection once every reply of a batch is settled: nothing is in flight. */
  settled(): void {
    assert(this.batch === undefined, 'gathered writes were issued before the turn settled');
    this.barrier = undefined;
    if (this.writesSinceBarrier.length > 0) this.writesSinceBarrier = []; // most turns issued nothing: no new array
  }

  private run(entry: TableEntry, argv: readonly Buffer[]): TurnReply {
    switch (entry.kind) {
      case 'data': {
        if (entry.blocking) return this.ordered(() => runBlocking(blockingContext(this.server, this, this.readConsistency, this.db), entry.meta.name, entry.write, argv));
        const write = entry.write && !(this.server.backend.servesAsRead?.(argv) ?? isReadOnlyEval(argv));
        const args = this.server.acl.asCaller(this, entry.meta.name, argv); // a script runs as its client's user (acl-guard.ts)
        if (args !== argv) return this.server.acl.afterScript(this, settleable(write ? this.gatherWrite(args) : this.orderedRead(args)));
        // A read with nothing of this client in flight runs at once, without a closure.
        return write ? this.gatherWrite(argv) : this.idle() ? this.readNow(argv) : this.orderedRead(argv);
      }
      case 'connection':
        return entry.handler(this, argv);
      case 'container':
        assert(false, 'containers are resolved to a subcommand');
    }
  }

  /** The client went away: a blocked command of it stops waiting (its reply goes nowhere). */
  closed(): void {
    this.server.blocked.cancel(this);
    this.pubsub.leaveAll();
    this.watches.stopAll();
  }

  private enqueue(entry: TableEntry, argv: readonly Buffer[]): Reply {
    assert(this.multi !== undefined, 'enqueue only inside MULTI');
    const bytes = argvBytes(argv);
    if (this.multi.length >= this.server.settings.multiMaxCommands) {
      this.multiDirty = true;
      return errorReply(`ERR MULTI queue is full (cairn-multi-max-commands is ${this.server.settings.multiMaxCommands})`);
    }
    // EXEC becomes one log record, which must stay under the log's record limit.
    if (this.multiBytes + bytes > multiBytesMax) {
      this.multiDirty = true;
      return errorReply(`ERR MULTI queue is full (more than ${multiBytesMax} bytes queued)`);
    }
    this.multi.push({ entry, argv });
    this.multiBytes += bytes;
    return queued;
  }

  /** Adds a write to the entry being gathered; its reply comes when that entry is applied. */
  private gatherWrite(argv: readonly Uint8Array[]): GatheredReply {
    const bytes = argvBytes(argv);
    const full = this.batch !== undefined && (this.batch.commands.length >= batchCommandsMax || this.batch.bytes + bytes > batchBytesMax);
    if (full) this.flushWrites();
    if (this.batch === undefined) {
      let settle: (replies: Reply[]) => void = () => undefined;
      const result = new Promise<Reply[]>((resolve) => (settle = resolve));
      this.batch = { commands: [], dbs: [], bytes: 0, result, settle };
      this.writesSinceBarrier.push(result);
    }
    const batch = this.batch;
    batch.dbs.push(this.db);
    batch.bytes += bytes;
    return new GatheredReply(batch, batch.commands.push(argv) - 1);
  }

  /** Issues the gathered writes as one entry (after the last ordered step, if one is pending). */
  flushWrites(): void {
    const batch = this.batch;
    if (batch === undefined) return;
    this.batch = undefined;
    assert(batch.commands.length > 0, 'a gathered entry holds a command');
    const entry: WriteEntry = batch.dbs.some((db) => db !== 0) ? { commands: batch.commands, watches: [], dbs: batch.dbs, client: this.id } : { commands: batch.commands, watches: [], client: this.id };
    const backend = this.server.backend;
    const issued = this.barrier === undefined ? backend.write(entry) : this.barrier.then(() => backend.write(entry));
    // Settled with the replies themselves, not with a promise of them: one promise and one
    // microtask job fewer per batch (per write at -P 1).
    issued.then(batch.settle, (error: unknown) => batch.settle(failureReplies(error)));
  }

  /**
   * Issues a write entry of its own (EXEC) after the gathered writes before it, or after the
   * last ordered step. The entry is built when it is issued, so it sees the versions WATCH read;
   * a builder that returns undefined writes nothing (no replies).
   */
  write(entry: () => WriteEntry | undefined): Promise<Reply[]> {
    this.flushWrites();
    const backend = this.server.backend;
    const issue = (): Promise<Reply[]> => {
      const built = entry();
      return built === undefined ? Promise.resolve([]) : backend.write(built);
    };
    const promise = this.barrier === undefined ? issue() : this.barrier.then(issue);
    this.writesSinceBarrier.push(promise);
    return promise.catch(failureReplies);
  }

  private idle(): boolean {
    return this.batch === undefined && this.barrier === undefined && this.writesSinceBarrier.length === 0;
  }

  private readNow(argv: readonly Uint8Array[]): Reply | Promise<Reply> {
    const result = this.server.backend.read(argv, this.readConsistency, this.db);
    if (result instanceof Promise) this.barrier = result.then(noop, noop);
    return result;
  }

  /** A read in the database selected now, after every earlier write of this client. */
  private orderedRead(argv: readonly Uint8Array[]): Reply | Promise<Reply> {
    const { db, readConsistency } = this;
    return this.ordered(() => this.server.backend.read(argv, readConsistency, db));
  }

  /** Runs `step` after every earlier write of this client; later writes wait for it. */
  ordered<T>(step: () => T | Promise<T>): T | Promise<T> {
    this.flushWrites();
    if (this.barrier === undefined && this.writesSinceBarrier.length === 0) {
      const result = step();
      if (result instanceof Promise) this.barrier = result.then(noop, noop);
      return result;
    }
    const prior = Promise.allSettled([this.barrier, ...this.writesSinceBarrier]);
    this.writesSinceBarrier = [];
    const result = prior.then(step);
    this.barrier = result.then(noop, noop);
    return result;
  }

  // --- transactions -------------------------------------------------------------------------

  beginMulti(): Reply {
    if (this.multi !== undefined) return errorReply('ERR MULTI calls can not be nested');
    this.multi = [];
    this.multiDirty = false;
    return { type: 'simple', value: 'OK' };
  }

  discard(): Reply {
    if (this.multi === undefined) return errorReply('ERR DISCARD without MULTI');
    this.endMulti();
    return { type: 'simple', value: 'OK' };
  }

  watch(keys: readonly Buffer[]): Reply | Promise<Reply> {
    if (this.multi !== undefined) return errorReply('ERR WATCH inside MULTI is not allowed');
    const added = this.watched.add(keys, this.db);
    const reply = this.ordered(async (): Promise<Reply> => {
      try {
        const versions = added.map((watch) => this.server.backend.keyVersion(watch.key, this.readConsistency, watch.db));
        for (let i = 0; i < added.length; i++) added[i]!.version = await versions[i]!;
        return { type: 'simple', value: 'OK' };
      } catch (error) {
        // No version, no watch: the keys this call added are dropped and the client told why. An
        // EXEC already queued behind this WATCH holds them, and aborts (watchFailed).
        this.watched.failed(added);
        return failureReplies(error)[0]!;
      }
    });
    if (reply instanceof Promise) this.watched.reading(added, reply);
    return reply;
  }

  unwatch(): void {
    this.watched.clear();
  }

  exec(): Reply | Promise<Reply> {
    if (this.multi === undefined) return errorReply('ERR EXEC without MULTI');
    const queued = this.multi;
    const dirty = this.multiDirty;
    const watches = this.watched.list();
    this.endMulti();
    if (dirty) return errorReply('EXECABORT Transaction discarded because of previous errors.');
    this.server.tracking?.beforeExec(this, queued);
    const { commands, refusals } = this.server.acl.recheckQueued(this, queued);
    const writes = commands.some((c) => c.entry.kind === 'data' && c.entry.write);
    return this.server.acl.afterExec(this, writes ? this.execWrites(commands, watches) : this.ordered(() => this.execReads(commands, watches)), refusals);
  }

  /** Clears MULTI, WATCH, subscriptions, READONLY, name, protocol and auth as RESET does. */
  reset(): void {
    this.endMulti();
    this.pubsub.leaveAll();
    this.watches.stopAll();
    this.readConsistency = 'linearizable';
    this.protocol = 2;
    this.name = '';
    this.user = 'default';
    this.userIncarnation = 0;
    this.authenticated = this.server.acl.startsAuthenticated();
  }

  private endMulti(): void {
    this.multi = undefined;
    this.multiBytes = 0;
    this.multiDirty = false;
    this.watched.clear();
  }

  /**
   * A transaction with writes is one log entry of its kv commands; the others (connection
   * commands, CLUSTER) run when it lands. Only kv commands go in an entry, which is what a leader
   * accepts from a relay too (relay-guard.ts).
   */
  private async execWrites(commands: readonly QueuedCommand[], watches: Watch[]): Promise<Reply> {
    const data = commands.filter(inEntry).map((c) => c.argv);
    const dbs = entryDbs(commands, this.db);
    let aborted = false;
    const replies = await this.write(() => {
      aborted = watches.some(watchFailed);
      if (aborted) return undefined;
      const entry = { commands: data, watches: watches.map(settledWatch), client: this.id };
      return dbs.some((db) => db !== 0) ? { ...entry, dbs } : entry;
    });
    if (aborted) return execAbortWatchFailed;
    if (replies.length === 1 && replies[0]!.type === 'nullArray' && watches.length > 0) return replies[0]!;
    if (replies.length === 1 && replies[0]!.type === 'error' && data.length !== 1) return replies[0]!;
    assert(replies.length === data.length, 'one reply per command of the entry');
    let next = 0;
    const items: Reply[] = [];
    for (const command of commands) {
      if (inEntry(command)) items.push(this.pubsub.entryReply(command.argv, replies[next++]!));
      else if (command.entry.kind === 'data') items.push(await this.server.backend.read(command.argv, this.readConsistency));
      else items.push(await settleable(this.run(command.entry, command.argv)));
    }
    return { type: 'array', items };
  }

  /** A read-only transaction runs locally and atomically: nothing else interleaves a sync call. */
  private async execReads(commands: readonly QueuedCommand[], watches: readonly Watch[]): Promise<Reply> {
    const backend = this.server.backend;
    // The ordering of this client's commands already puts this after the WATCHes; waiting on their
    // reads as well keeps a watch with no version out of the comparison whatever the turn order
    // (a fuzz run on a loaded machine reached that assertion here). Only then: an await here lets
    // the client's next connection commands run before the queued ones (CLIENT SETNAME in MULTI).
    if (watches.some(watchPending)) await versionsLanded(watches);
    if (watches.some(watchFailed)) return execAbortWatchFailed;
    for (const watch of watches) {
      let version: number;
      try {
        version = await backend.keyVersion(watch.key, this.readConsistency, watch.db);
      } catch (error) {
        return failureReplies(error)[0]!;
      }
      if (version !== settledWatch(watch).version) return { type: 'nullArray' };
    }
    // In order: a queued SELECT runs (synchronously) before the reads after it are issued.
    const pending = commands.map((c) => (c.entry.kind === 'data' ? backend.read(c.argv, this.readConsistency, this.db) : settleable(this.run(c.entry, c.argv))));
    return { type: 'array', items: await Promise.all(pending) };
  }
}

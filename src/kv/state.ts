// KvState: the deterministic state machine of one Cairn store. The same entries applied to two
// fresh states give byte-identical snapshots and replies; time is always an argument and the only
// randomness (RANDOMKEY) comes from a seeded Prng the caller chooses.

import { Buffer } from 'node:buffer';
import { assert } from '../lib/assert.js';
import { Prng } from '../lib/prng.js';
import type { Reply } from '../lib/reply.js';
import { dispatch } from './commands.js';
import type { ExecContext } from './command-types.js';
import { Databases } from './databases.js';
import type { Db } from './db.js';
import { DatabasesSnapshotDecoder, DatabasesSnapshotEncoder, runToEnd, type Stepper } from './databases-snapshot.js';
import { collectExpired } from './expiry.js';
import { Functions } from './functions.js';
import { type KeyEvent, KeyEventRecorder, type PublishedMessage } from './key-events.js';
import { decodeFunctionsSection, encodeFunctionsSection, FUNCTIONS_MAGIC } from './functions-snapshot.js';
import { SCRIPT_INSTRUCTIONS_PER_BUDGET, SCRIPT_PENDING, Scripts } from './scripts.js';
import { decodeScriptsSection, encodeScriptsSection, SCRIPTS_MAGIC } from './scripts-snapshot.js';
import { CHANGES_KEY, type ChangeHistory } from './change-history.js';
import { CHANGES_MAGIC, changesSectionDecoder, changesSectionEncoder } from './change-history-snapshot.js';
import { SNAPSHOT_MAGIC } from './snapshot-writer.js';
import { AclRegistry } from './acl/registry.js';
import { ACL_MAGIC, decodeAclSection, encodeAclSection } from './acl/snapshot.js';
import { withoutCaller } from './acl/script-caller.js';

export interface KvStateOptions {
  /** Seeds the Prng behind RANDOMKEY. Default 0. */
  readonly randomSeed?: number;
  /** Lua instructions one script may run before it is stopped (script/engine.ts's default when absent). */
  readonly scriptMaxInstructions?: number;
}

/** A script's steps (KvState.executeSteps), which SCRIPT KILL may stop when it runs as a read on one node. */
export interface ScriptStepper extends Stepper<Reply> {
  kill(): void;
}

export class KvState {
  private readonly databases: Databases;
  private readonly prng: Prng;
  /** The script cache (replicated: in snapshots) and the Lua engine that runs scripts. */
  readonly scripts: Scripts;
  /** The function libraries (replicated: in snapshots) and the Lua engine that runs them. */
  readonly functions: Functions;
  /** The ACL users (replicated: in snapshots). */
  readonly acl: AclRegistry;
  /** The command running in steps on this state (a script or a function), from executeSteps' hand-back to its last step: -BUSY's text, FUNCTION STATS. */
  scriptRunning: { readonly kind: 'eval' | 'function'; readonly argv: readonly Uint8Array[] } | undefined;
  /** The keyspace events raised by commands since the last takeKeyEvents. */
  private readonly keyEvents = new KeyEventRecorder();
  /** The events of the last entry closed (closeEntry), until takeKeyEvents. */
  private closedEvents: KeyEvent[] = [];

  constructor(options: KvStateOptions = {}, databases: Databases = new Databases(), scripts?: Scripts, functions?: Functions, acl?: AclRegistry) {
    this.databases = databases;
    databases.attachEvents(this.keyEvents);
    this.prng = new Prng(options.randomSeed ?? 0);
    this.scripts = scripts ?? new Scripts(options.scriptMaxInstructions === undefined ? {} : { maxInstructions: options.scriptMaxInstructions });
    this.functions = functions ?? new Functions(options.scriptMaxInstructions);
    this.acl = acl ?? new AclRegistry();
  }

  /** Runs one command (argv[0] is the name, any case) at the given time, in database `dbIndex`; a script to its end. */
  execute(argv: readonly Uint8Array[], nowMs: number, dbIndex = 0): Reply {
    const reply = this.executeSteps(argv, nowMs, dbIndex);
    return 'step' in reply ? runToEnd(reply) : reply;
  }

  /**
   * As execute, but a script that did not end within its first slice is handed back as steps (each
   * runs about `budget` × SCRIPT_INSTRUCTIONS_PER_BUDGET Lua instructions): nothing else may run
   * against this state until the last step.
   */
  executeSteps(argv: readonly Uint8Array[], nowMs: number, dbIndex = 0): Reply | ScriptStepper {
    assert(Number.isSafeInteger(nowMs), 'nowMs must be an integer number of ms');
    assert(nowMs >= 0, 'nowMs must not be negative');
    const db = dbIndex === 0 ? this.databases.zero : this.databases.get(dbIndex);
    const ctx: ExecContext = { db, nowMs, prng: this.prng, databases: this.databases, dbIndex, scripts: this.scripts, functions: this.functions, acl: this.acl, caller: undefined };
    const reply = dispatch(ctx, argv);
    if (reply !== SCRIPT_PENDING) return reply;
    const steps = this.scripts.pending;
    assert(steps !== undefined, 'a pending reply leaves its script pending');
    this.scripts.pending = undefined;
    const script = withoutCaller(argv);
    this.scriptRunning = { kind: ((script[0] as Uint8Array)[0]! | 0x20) === 0x66 ? 'function' : 'eval', argv: script };
    const step = (budget: number): Reply | null => {
      const done = steps.step(budget * SCRIPT_INSTRUCTIONS_PER_BUDGET);
      if (done !== null) this.scriptRunning = undefined;
      return done;
    };
    return { step, kill: () => steps.kill() };
  }

  /**
   * Ends an applied log entry (entry.ts calls it once its last command ran): the events it raised
   * become the change history's next revision, at the entry's time. Every replica applies the same
   * entries, so every replica numbers the same revisions.
   */
  closeEntry(nowMs: number): void {
    const events = this.keyEvents.take();
    // Only the last entry's events wait to be taken: a caller that never takes them (a bench
    // applying entries directly) must not keep every event ever raised.
    this.closedEvents = events;
    if (events.length > 0) this.databases.changes.record(events, nowMs);
  }

  /** The keyspace events raised since the last call (key-events.ts), in the order commands raised them. */
  takeKeyEvents(): KeyEvent[] {
    const open = this.keyEvents.take();
    const closed = this.closedEvents;
    if (closed.length === 0) return open;
    this.closedEvents = [];
    if (open.length > 0) closed.push(...open);
    return closed;
  }

  /** The change feed's history (`__cairn:changes`): read it, never change it outside an entry. */
  get changes(): ChangeHistory {
    return this.databases.changes;
  }

  /** The revision of the last change (CAIRN.REVISION). */
  get revision(): number {
    return this.databases.changes.revision;
  }

  /** The messages PUBLISH/SPUBLISH recorded since the last call; take them before the events. */
  takePublished(): PublishedMessage[] {
    return this.keyEvents.takeMessages();
  }

  /** Database `index` itself (0: the default), for inspection: OBJECT-like checks in tests, MEMORY figures. */
  database(index = 0): Db {
    return index === 0 ? this.databases.zero : this.databases.get(index);
  }

  /** The string value of a key (latin1 string of its bytes) at nowMs, or undefined (absent or not a string). Never mutates. */
  getValue(binaryKey: string, nowMs: number): Uint8Array | undefined {
    return this.databases.zero.stringValue(binaryKey, nowMs) ?? undefined;
  }

  /** GET's answer without a dispatch: the string value, undefined when absent, null when the key holds another type. */
  getString(binaryKey: string, nowMs: number): Uint8Array | undefined | null {
    const value = this.databases.zero.stringValue(binaryKey, nowMs);
    return value === undefined && binaryKey === CHANGES_KEY ? null : value; // the feed is a stream
  }

  /** Keys held in every database, including expired ones not yet reclaimed. */
  get keyCount(): number {
    let keys = 0;
    for (const [, db] of this.databases.used()) keys += db.map.size;
    return keys;
  }

  /** INFO keyspace: keys and keys with an expiry, per database that holds any. */
  keyspaceByDb(): { readonly db: number; readonly keys: number; readonly expires: number }[] {
    const out: { db: number; keys: number; expires: number }[] = [];
    for (const [index, db] of this.databases.used()) if (db.map.size > 0) out.push({ db: index, keys: db.map.size, expires: db.expiringCount });
    return out;
  }

  /** The keyspace's running size estimate over every database (Db.datasetBytes): what maxmemory compares against. */
  datasetBytes(): number {
    let bytes = 0;
    for (const [, db] of this.databases.used()) bytes += db.datasetBytes();
    return bytes;
  }

  /** Keys with an expiry (INFO keyspace's `expires`), expired ones not yet reclaimed included. */
  get expiringKeyCount(): number {
    let expiring = 0;
    for (const [, db] of this.databases.used()) expiring += db.expiringCount;
    return expiring;
  }

  /**
   * Changes whenever the key is modified or deleted. With nowMs, a key that has expired by then
   * reports a distinct version, so a WATCH taken while it was live aborts once it expires.
   */
  keyVersion(binaryKey: string, nowMs?: number, dbIndex = 0): number {
    // The feed changes with every revision (XREAD BLOCK and WATCH on it wake then).
    if (binaryKey === CHANGES_KEY) return this.databases.changes.revision;
    return (dbIndex === 0 ? this.databases.zero : this.databases.get(dbIndex)).keyVersion(binaryKey, nowMs);
  }

  /** Up to maxKeys keys of database `dbIndex` expired at nowMs, earliest first, for the store to propose CAIRN.EXPIRED. */
  collectExpired(nowMs: number, maxKeys: number, dbIndex = 0): Uint8Array[] {
    const db = this.databases.peek(dbIndex);
    return db === undefined ? [] : collectExpired(db, nowMs, maxKeys);
  }

  /** The indexes of the databases ever used (0 always), ascending. */
  usedDatabases(): number[] {
    return [...this.databases.used()].map(([index]) => index);
  }

  encodeSnapshot(): Uint8Array {
    return runToEnd(this.snapshotEncoder());
  }

  /**
   * The snapshot in steps (each encodes about `budget` keys, the last returns the bytes, the same
   * bytes as encodeSnapshot whatever the budgets), after `prefix` (a caller's header, copied first).
   * The state must not change between the first step and the last.
   */
  snapshotEncoder(prefix?: Uint8Array): Stepper<Uint8Array> {
    // First the change history (it may hold a hundred thousand changes: in steps too), then the keys.
    const changes = changesSectionEncoder(this.databases.changes);
    let keys: Stepper<Uint8Array> | undefined;
    return {
      step: (budget: number): Uint8Array | null => {
        if (keys === undefined) {
          const section = changes.step(budget);
          if (section === null) return null;
          const sections = Buffer.concat([section, encodeFunctionsSection(this.functions), encodeScriptsSection(this.scripts), encodeAclSection(this.acl)]);
          const head = sections.length === 0 ? prefix : prefix === undefined ? sections : Buffer.concat([prefix, sections]);
          keys = new DatabasesSnapshotEncoder(this.databases, head);
        }
        return keys.step(budget);
      },
    };
  }

  /** Whether `bytes` begin as a kv snapshot does: one of its sections' magics (a wrapper's own format does not). */
  static isSnapshot(bytes: Uint8Array): boolean {
    const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 8)).toString('latin1');
    return head === CHANGES_MAGIC || head === FUNCTIONS_MAGIC || head === SCRIPTS_MAGIC || head === ACL_MAGIC || head === SNAPSHOT_MAGIC;
  }

  /** Throws CairnError CAIRN_CORRUPT (malformed) or CAIRN_FORMAT (unknown version). */
  static decodeSnapshot(bytes: Uint8Array, options: KvStateOptions = {}): KvState {
    return runToEnd(KvState.snapshotDecoder(bytes, options));
  }

  /** A fresh state decoded in steps, returned by the last; throws as decodeSnapshot, from the call or a step. */
  static snapshotDecoder(bytes: Uint8Array, options: KvStateOptions = {}): Stepper<KvState> {
    const changes = changesSectionDecoder(bytes);
    let rest: { history: ChangeHistory; scripts: Scripts; functions: Functions; acl: AclRegistry; keys: DatabasesSnapshotDecoder } | undefined;
    return {
      step(budget: number): KvState | null {
        if (rest === undefined) {
          const decodedChanges = changes.step(budget);
          if (decodedChanges === null) return null;
          const decoded = decodeFunctionsSection(decodedChanges.rest, options.scriptMaxInstructions);
          const { scripts, rest: aclBytes } = decodeScriptsSection(decoded.rest, options.scriptMaxInstructions === undefined ? {} : { maxInstructions: options.scriptMaxInstructions });
          const { acl, rest: keyBytes } = decodeAclSection(aclBytes);
          rest = { history: decodedChanges.history, scripts, functions: decoded.functions, acl, keys: new DatabasesSnapshotDecoder(keyBytes) };
        }
        const databases = rest.keys.step(budget);
        if (databases === null) return null;
        databases.changes = rest.history;
        return new KvState(options, databases, rest.scripts, rest.functions, rest.acl);
      },
    };
  }
}

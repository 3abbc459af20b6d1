// KvState: the deterministic state machine of one Cairn store. The same entries applied to two
// fresh states give byte-identical snapshots and replies; time is always an argument and the only
// randomness (RANDOMKEY) comes from a seeded Prng the caller chooses.

import { assert } from '../lib/assert.js';
import { Prng } from '../lib/prng.js';
import type { Reply } from '../lib/reply.js';
import { dispatch } from './commands.js';
import type { ExecContext } from './command-types.js';
import { Db } from './db.js';
import { collectExpired } from './expiry.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot.js';

export interface KvStateOptions {
  /** Seeds the Prng behind RANDOMKEY. Default 0. */
  readonly randomSeed?: number;
}

export class KvState {
  private readonly db: Db;
  private readonly prng: Prng;

  constructor(options: KvStateOptions = {}, db: Db = new Db()) {
    this.db = db;
    this.prng = new Prng(options.randomSeed ?? 0);
  }

  /** Runs one command (argv[0] is the name, any case) at the given time. */
  execute(argv: readonly Uint8Array[], nowMs: number): Reply {
    assert(Number.isSafeInteger(nowMs), 'nowMs must be an integer number of ms');
    assert(nowMs >= 0, 'nowMs must not be negative');
    const ctx: ExecContext = { db: this.db, nowMs, prng: this.prng };
    return dispatch(ctx, argv);
  }

  /** The string value of a key (latin1 string of its bytes) at nowMs, or undefined (absent or not a string). Never mutates. */
  getValue(binaryKey: string, nowMs: number): Uint8Array | undefined {
    const record = this.db.lookup(binaryKey, nowMs);
    return record === undefined || record.collection !== null ? undefined : record.value;
  }

  /** GET's answer without a dispatch: the string value, undefined when absent, null when the key holds another type. */
  getString(binaryKey: string, nowMs: number): Uint8Array | undefined | null {
    const record = this.db.lookup(binaryKey, nowMs);
    if (record === undefined) return undefined;
    return record.collection === null ? record.value : null;
  }

  /** Keys held, including expired ones not yet reclaimed (as Redis's DBSIZE). */
  get keyCount(): number {
    return this.db.map.size;
  }

  /** Keys with an expiry (INFO keyspace's `expires`), expired ones not yet reclaimed included. */
  get expiringKeyCount(): number {
    return this.db.expiringCount;
  }

  /**
   * Changes whenever the key is modified or deleted. With nowMs, a key that has expired by then
   * reports a distinct version, so a WATCH taken while it was live aborts once it expires.
   */
  keyVersion(binaryKey: string, nowMs?: number): number {
    return this.db.keyVersion(binaryKey, nowMs);
  }

  /** Up to maxKeys keys expired at nowMs, earliest first, for the store to propose CAIRN.EXPIRED. */
  collectExpired(nowMs: number, maxKeys: number): Uint8Array[] {
    return collectExpired(this.db, nowMs, maxKeys);
  }

  encodeSnapshot(): Uint8Array {
    return encodeSnapshot(this.db);
  }

  /** Throws CairnError CAIRN_CORRUPT (malformed) or CAIRN_FORMAT (unknown version). */
  static decodeSnapshot(bytes: Uint8Array, options: KvStateOptions = {}): KvState {
    return new KvState(options, decodeSnapshot(bytes));
  }
}

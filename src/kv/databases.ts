// Redis's numbered databases (SELECT 0-15): one Db per index, made when first written. Commands run
// against one of them (ExecContext.db); FLUSHALL, MOVE, SWAPDB and COPY ... DB reach the others here.

import { assert } from '../lib/assert.js';
import { errorReply, type Reply } from '../lib/reply.js';
import { ERR_NOT_INTEGER, parseInt64 } from './args.js';
import { ChangeHistory } from './change-history.js';
import { Db } from './db.js';
import type { KeyEventRecorder } from './key-events.js';

/** How many databases there are, as Redis's default `databases 16`. */
export const DATABASES = 16;

export const ERR_DB_INDEX = errorReply('ERR DB index is out of range');
const ERR_NOT_C_INT = errorReply('ERR value is out of range, value must between -2147483648 and 2147483647');

/**
 * A database index argument as Redis reads it (getIntFromObjectOrReply: a C int, then the range):
 * the index, or the error reply. `notInteger` replaces the not-an-integer text (SWAPDB's own).
 */
export function parseDbIndex(arg: Uint8Array, notInteger: Reply = ERR_NOT_INTEGER): number | Reply {
  const value = parseInt64(arg);
  if (value === undefined) return notInteger;
  if (value > 2_147_483_647n || value < -2_147_483_648n) return notInteger === ERR_NOT_INTEGER ? ERR_NOT_C_INT : notInteger;
  const index = Number(value);
  return Databases.isIndex(index) ? index : ERR_DB_INDEX;
}

export class Databases {
  private readonly dbs: (Db | undefined)[] = new Array<Db | undefined>(DATABASES).fill(undefined);
  /** Database 0 (the hot path's), kept in step with `dbs[0]` by put and swap. */
  zero: Db;
  /** The change feed's history (replicated; KvState records into it and snapshots it), which commands on `__cairn:changes` read. */
  changes = new ChangeHistory();
  /** Where every database's keyspace events go (KvState's recorder), once attached. */
  private events: KeyEventRecorder | undefined;

  constructor(db0: Db = new Db()) {
    this.dbs[0] = db0;
    this.zero = db0;
  }

  /** Sends every database's keyspace events, now and to come, to `events`. */
  attachEvents(events: KeyEventRecorder): void {
    this.events = events;
    for (const [index, db] of this.used()) this.place(index, db);
  }

  /** Puts `db` at `index`, telling it its index and where its events go. */
  private place(index: number, db: Db): void {
    this.dbs[index] = db;
    if (index === 0) this.zero = db;
    db.index = index;
    db.events = this.events;
  }

  static isIndex(index: number): boolean {
    return Number.isInteger(index) && index >= 0 && index < DATABASES;
  }

  /** The database at `index`, made empty on first use. */
  get(index: number): Db {
    assert(Databases.isIndex(index), `database index ${index} out of range`);
    let db = this.dbs[index];
    if (db === undefined) {
      db = new Db();
      this.place(index, db);
    }
    return db;
  }

  /** The database at `index` if it was ever used. */
  peek(index: number): Db | undefined {
    assert(Databases.isIndex(index), `database index ${index} out of range`);
    return this.dbs[index];
  }

  /** Places a restored database (snapshot decoding). */
  put(index: number, db: Db): void {
    assert(Databases.isIndex(index), `database index ${index} out of range`);
    this.place(index, db);
  }

  /** The databases that were used, by index (db 0 always). */
  *used(): Generator<[number, Db]> {
    for (let i = 0; i < DATABASES; i++) {
      const db = this.dbs[i];
      if (db !== undefined) yield [i, db];
    }
  }

  /**
   * SWAPDB: the two databases trade their keys. As in Redis, a client watching a key present on
   * either side sees its transaction abort; a key absent on both keeps its version.
   */
  swap(a: number, b: number): void {
    const first = this.get(a);
    const second = this.get(b);
    this.place(a, second);
    this.place(b, first);
    first.tradeAbsentVersions(second);
    // Fresh versions above anything either number has handed out.
    const counter = Math.max(first.versionCounter, second.versionCounter);
    for (const db of [first, second]) {
      db.versionCounter = counter;
      db.touchAll();
    }
  }

  /** FLUSHALL: every database emptied (every key's version changes). */
  clearAll(): void {
    for (const [, db] of this.used()) db.flush();
  }
}

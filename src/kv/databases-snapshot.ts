// The snapshot of all databases. When only database 0 was ever used it is exactly database 0's
// snapshot (snapshot.ts), as before SELECT existed; otherwise a small envelope holds each used
// database's snapshot under its index (a database never written is left out):
//   "CAIRNDBS" | u32 count | count × (u32 db index | u32 bytes | database snapshot)
// Indexes ascend and are unique, so equal states give equal bytes. Encoding and decoding go in
// resumable steps of a budget of keys (DatabasesSnapshotEncoder, DatabasesSnapshotDecoder), so a
// replica can snapshot or install a million keys without stalling its event loop; the bytes are
// the same whatever the steps.

import { Buffer } from 'node:buffer';
import { assert, AssertionError } from '../lib/assert.js';
import { Databases } from './databases.js';
import type { Db } from './db.js';
import { ByteReader } from './reader.js';
import { DbSnapshotReader } from './snapshot.js';
import { DbSnapshotWriter } from './snapshot-writer.js';

const ENVELOPE_MAGIC = 'CAIRNDBS';
const ENVELOPE_HEADER_BYTES = 8 + 4;
const PART_HEADER_BYTES = 4 + 4;

/** Snapshots that an unbounded step still takes a few of (measure, then write): a bound for run-to-end loops. */
const UNBOUNDED_STEPS_MAX = 64;

/** Something done in steps: each does about `budget` keys' worth of work, and the last returns the result. */
export interface Stepper<T> {
  step(budget: number): T | null;
}

/** Runs a stepper to its end in unbounded steps (tests, recovery, a one-off digest). */
export function runToEnd<T>(stepper: Stepper<T>): T {
  for (let steps = 0; steps < UNBOUNDED_STEPS_MAX; steps++) {
    const done = stepper.step(Infinity);
    if (done !== null) return done;
  }
  throw new AssertionError('an unbounded stepper did not finish');
}

/**
 * Encodes the databases after `prefix` (a caller's own header, copied first) into one buffer. The
 * databases must not change between the first step and the last.
 */
export class DatabasesSnapshotEncoder implements Stepper<Uint8Array> {
  private readonly parts: { readonly index: number; readonly writer: DbSnapshotWriter }[];
  private measuring = 0;
  private writing = 0;
  private out: Buffer | null = null;

  constructor(databases: Databases, private readonly prefix: Uint8Array = new Uint8Array(0)) {
    // A database a read made (a local read on one node only: SELECT 3, GET k) was never written, and
    // is as good as absent: leaving it out keeps every replica's bytes equal.
    const used = [...databases.used()].filter(([index, db]) => index === 0 || db.versionCounter > 0 || db.map.size > 0);
    assert(used[0]?.[0] === 0, 'database 0 always exists');
    this.parts = used.map(([index, db]) => ({ index, writer: new DbSnapshotWriter(db) }));
  }

  step(budget: number): Uint8Array | null {
    assert(budget > 0, 'a step needs a positive budget');
    const parts = this.parts;
    if (this.measuring < parts.length) {
      if ((parts[this.measuring] as (typeof parts)[number]).writer.measure(budget)) this.measuring++;
      if (this.measuring === parts.length) this.allocate();
      return null;
    }
    const out = this.out;
    assert(out !== null, 'measured snapshots are allocated');
    if ((parts[this.writing] as (typeof parts)[number]).writer.write(budget)) this.writing++;
    return this.writing === parts.length ? out : null;
  }

  /** One buffer for prefix, envelope and every database; each writer's header goes in now. */
  private allocate(): void {
    const parts = this.parts;
    const enveloped = parts.length > 1;
    let totalBytes = this.prefix.length + (enveloped ? ENVELOPE_HEADER_BYTES : 0);
    for (const part of parts) totalBytes += (enveloped ? PART_HEADER_BYTES : 0) + part.writer.totalBytes;
    const out = Buffer.allocUnsafe(totalBytes);
    out.set(this.prefix, 0);
    let at = this.prefix.length;
    if (enveloped) {
      at += out.write(ENVELOPE_MAGIC, at, 'latin1');
      at = out.writeUInt32LE(parts.length, at);
    }
    for (const { index, writer } of parts) {
      if (enveloped) {
        at = out.writeUInt32LE(index, at);
        at = out.writeUInt32LE(writer.totalBytes, at);
      }
      writer.begin(out, at);
      at += writer.totalBytes;
    }
    assert(at === out.length, 'databases snapshot size computed wrongly');
    this.out = out;
  }
}

/**
 * Decodes databases in steps into fresh Dbs (nothing shared with anyone until the last step returns
 * them). The envelope is checked when made; each database's records as its steps reach them.
 * Throws CairnError CAIRN_CORRUPT (malformed) or CAIRN_FORMAT (unknown version).
 */
export class DatabasesSnapshotDecoder implements Stepper<Databases> {
  private readonly parts: { readonly index: number; readonly reader: DbSnapshotReader }[] = [];
  private reading = 0;
  private readonly dbs: Db[] = [];

  constructor(bytes: Uint8Array) {
    const r: ByteReader = new ByteReader(bytes, 'kv databases snapshot');
    if (bytes.length < 8 || r.latin1(8, 'magic') !== ENVELOPE_MAGIC) {
      this.parts.push({ index: 0, reader: new DbSnapshotReader(bytes) });
      return;
    }
    const count = r.u32('database count');
    let previous = -1;
    for (let i = 0; i < count; i++) {
      const index = r.u32('database index');
      if (!Databases.isIndex(index) || index <= previous) r.corrupt(`database index ${index} out of range or out of order`);
      previous = index;
      const length = r.u32('database snapshot length');
      this.parts.push({ index, reader: new DbSnapshotReader(r.view(length, 'database snapshot')) });
    }
    if (r.remaining !== 0) r.corrupt(`${r.remaining} trailing bytes`);
  }

  step(budget: number): Databases | null {
    assert(budget > 0, 'a step needs a positive budget');
    const part = this.parts[this.reading];
    if (part !== undefined) {
      const db = part.reader.step(budget);
      if (db === null) return null;
      this.dbs.push(db);
      this.reading++;
      if (this.reading < this.parts.length) return null;
    }
    const databases = new Databases();
    this.parts.forEach((p, i) => databases.put(p.index, this.dbs[i] as Db));
    return databases;
  }
}

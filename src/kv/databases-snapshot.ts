// The snapshot of all databases. When only database 0 was ever used it is exactly database 0's
// snapshot (snapshot.ts), as before SELECT existed; otherwise a small envelope holds each used
// database's snapshot under its index (a database never written is left out):
//   "CAIRNDBS" | u32 count | count × (u32 db index | u32 bytes | database snapshot)
// Indexes ascend and are unique, so equal states give equal bytes.

import { Buffer } from 'node:buffer';
import { assert } from '../lib/assert.js';
import { Databases } from './databases.js';
import { ByteReader } from './reader.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot.js';

const ENVELOPE_MAGIC = 'CAIRNDBS';

export function encodeDatabases(databases: Databases): Uint8Array {
  // A database a read made (a local read on one node only: SELECT 3, GET k) was never written, and
  // is as good as absent: leaving it out keeps every replica's bytes equal.
  const used = [...databases.used()].filter(([index, db]) => index === 0 || db.versionCounter > 0 || db.map.size > 0);
  assert(used[0]?.[0] === 0, 'database 0 always exists');
  if (used.length === 1) return encodeSnapshot(used[0][1]);
  const parts = used.map(([index, db]) => ({ index, bytes: encodeSnapshot(db) }));
  const out = Buffer.allocUnsafe(8 + 4 + parts.reduce((sum, p) => sum + 8 + p.bytes.length, 0));
  let at = out.write(ENVELOPE_MAGIC, 0, 'latin1');
  at = out.writeUInt32LE(parts.length, at);
  for (const part of parts) {
    at = out.writeUInt32LE(part.index, at);
    at = out.writeUInt32LE(part.bytes.length, at);
    out.set(part.bytes, at);
    at += part.bytes.length;
  }
  assert(at === out.length, 'databases snapshot size computed wrongly');
  return out;
}

/** Throws CairnError CAIRN_CORRUPT (malformed) or CAIRN_FORMAT (unknown version). */
export function decodeDatabases(bytes: Uint8Array): Databases {
  const r: ByteReader = new ByteReader(bytes, 'kv databases snapshot');
  if (bytes.length < 8 || r.latin1(8, 'magic') !== ENVELOPE_MAGIC) return new Databases(decodeSnapshot(bytes));
  const count = r.u32('database count');
  const databases = new Databases();
  let previous = -1;
  for (let i = 0; i < count; i++) {
    const index = r.u32('database index');
    if (!Databases.isIndex(index) || index <= previous) r.corrupt(`database index ${index} out of range or out of order`);
    previous = index;
    const length = r.u32('database snapshot length');
    databases.put(index, decodeSnapshot(r.view(length, 'database snapshot')));
  }
  if (r.remaining !== 0) r.corrupt(`${r.remaining} trailing bytes`);
  return databases;
}

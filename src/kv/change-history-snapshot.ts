// The change history in a snapshot: the first section, written only once something changed or the
// retention was set, so the snapshot of a state that never changed is byte for byte what it was
// before the change feed, and snapshots written before it load (with an empty history):
//   "CAIRNCHG" | u8 version (1) | f64 revision | f64 maxChanges | f64 maxBytes | f64 maxAgeMs |
//   f64 lastTrimmed ms | f64 lastTrimmed seq | f64 changes ever added | u32 revisions |
//   revisions × (f64 revision | f64 nowMs | u32 changes | changes × (u8 fields | fields × (u32 bytes | name | u32 bytes | value)))
// Fields are the stream entry's (op, key, value, db), so the history decodes to the same stream.

import { assert } from '../lib/assert.js';
import { ByteReader } from './reader.js';
import { runToEnd, type Stepper } from './databases-snapshot.js';
import { ByteWriter } from './writer.js';
import { type Change, ChangeHistory, DEFAULT_RETENTION, type Retention } from './change-history.js';
import { Databases } from './databases.js';
import type { StreamEntry } from './stream/chunk.js';
import { MAX_ID, type StreamId } from './stream/id.js';
import { Buffer } from 'node:buffer';

export const CHANGES_MAGIC = 'CAIRNCHG';
const MAGIC = CHANGES_MAGIC;
const MAGIC_BYTES = 8;
const VERSION = 1;
/** A decoder never trusts a count beyond what the bytes could hold (a revision takes at least 20 bytes). */
const REVISION_BYTES_MIN = 20;
const CHANGE_BYTES_MIN = 1 + 4 * 4;

function isDefault(retention: Retention): boolean {
  return retention.maxChanges === DEFAULT_RETENTION.maxChanges && retention.maxBytes === DEFAULT_RETENTION.maxBytes
    && retention.maxAgeMs === DEFAULT_RETENTION.maxAgeMs;
}

/** The section for a history at once (tests, one-off digests): changesSectionEncoder run to its end. */
export function encodeChangesSection(history: ChangeHistory): Uint8Array {
  return runToEnd(changesSectionEncoder(history));
}

/**
 * The section for a history (empty when nothing ever changed and the retention is the default) in
 * steps of about `budget` changes each, the last returning the bytes, so a node whose history holds
 * a hundred thousand changes never stops serving for the whole of it. The history must not change
 * between the first step and the last.
 */
export function changesSectionEncoder(history: ChangeHistory): Stepper<Uint8Array> {
  if (history.revision === 0 && isDefault(history.retention)) return { step: () => new Uint8Array(0) };
  const out = new ByteWriter(64 + history.bytes);
  for (const char of MAGIC) out.u8(char.charCodeAt(0));
  out.u8(VERSION);
  for (const value of [history.revision, history.retention.maxChanges, history.retention.maxBytes, history.retention.maxAgeMs]) out.f64(value);
  out.f64(Number(history.lastTrimmed.ms));
  out.f64(Number(history.lastTrimmed.seq));
  out.f64(Number(history.stream.entriesAdded));
  const metas = history.retained();
  out.u32(metas.length);
  let nextMeta = 0;
  /** Changes of the revision last begun that are still to be written. */
  let left = 0;
  let from: StreamId = { ms: BigInt(history.oldestRetained), seq: 0n };
  return {
    step(budget: number): Uint8Array | null {
      let last: StreamEntry | undefined;
      history.stream.range(from, MAX_ID, false, Math.max(1, budget), (entry) => {
        if (left === 0) {
          const meta = metas[nextMeta++];
          assert(meta !== undefined, 'every retained change belongs to a retained revision');
          out.f64(meta.revision);
          out.f64(meta.nowMs);
          out.u32(meta.changes);
          left = meta.changes;
        }
        out.u8(entry.pairs.length / 2);
        for (const text of entry.pairs) out.latin1(text);
        left--;
        last = entry;
      });
      if (last !== undefined) from = { ms: last.id.ms, seq: last.id.seq + 1n };
      if (last !== undefined && (left > 0 || nextMeta < metas.length)) return null;
      assert(left === 0 && nextMeta === metas.length, 'the history holds every change its revisions count');
      return out.finish();
    },
  };
}

/** The history a snapshot holds (empty when it has no section) and the bytes after it, at once. Throws CAIRN_CORRUPT. */
export function decodeChangesSection(bytes: Uint8Array): DecodedChanges {
  return runToEnd(changesSectionDecoder(bytes));
}

export interface DecodedChanges {
  readonly history: ChangeHistory;
  readonly rest: Uint8Array;
}

/** As decodeChangesSection, in steps of about `budget` changes; throws CAIRN_CORRUPT from the call or a step. */
export function changesSectionDecoder(bytes: Uint8Array): Stepper<DecodedChanges> {
  const history = new ChangeHistory();
  if (bytes.length < MAGIC_BYTES || Buffer.from(bytes.buffer, bytes.byteOffset, MAGIC_BYTES).toString('latin1') !== MAGIC) return { step: () => ({ history, rest: bytes }) };
  const r = new ByteReader(bytes, 'kv changes section');
  r.latin1(MAGIC_BYTES, 'magic');
  const version = r.u8('version');
  if (version !== VERSION) r.corrupt(`unknown changes section version ${version}`);
  const revision = r.int('revision', 0);
  const retention: Retention = { maxChanges: r.int('max changes', 1), maxBytes: r.int('max bytes', 1), maxAgeMs: r.int('max age', 1) };
  const lastTrimmed = { ms: BigInt(r.int('last trimmed revision', 0)), seq: BigInt(r.int('last trimmed change', 0)) };
  const changesEver = BigInt(r.int('changes ever', 0));
  const count = r.u32('revision count');
  if (count * REVISION_BYTES_MIN > r.remaining) r.corrupt(`revision count ${count} exceeds the snapshot size`);
  let decoded = 0;
  return {
    step(budget: number): DecodedChanges | null {
      for (let changes = 0; decoded < count && changes < budget; decoded++) changes += decodeRevision(r, history);
      if (decoded < count) return null;
      if (history.revision !== revision) r.corrupt(`the last revision is ${history.revision}, the section says ${revision}`);
      history.retention = retention;
      try {
        history.restoreTrimmed(lastTrimmed, changesEver);
      } catch {
        r.corrupt('trimmed changes overlap retained ones');
      }
      return { history, rest: bytes.subarray(r.at) };
    },
  };
}

/** Decodes one revision into the history; returns how many changes it held. */
function decodeRevision(r: ByteReader, history: ChangeHistory): number {
  const revision = r.int('revision', history.revision + 1);
  const nowMs = r.int('revision time', 0);
  const count = r.u32('change count');
  if (count === 0 || count * CHANGE_BYTES_MIN > r.remaining) r.corrupt(`bad change count ${count}`);
  const changes: Change[] = [];
  for (let i = 0; i < count; i++) changes.push(decodeChange(r));
  history.append(revision, nowMs, changes);
  return count;
}

function decodeChange(r: ByteReader): Change {
  const fields = new Map<string, string>();
  for (let f = r.u8('field count'); f > 0; f--) {
    const name = r.latin1(r.u32('field name length'), 'field name');
    fields.set(name, r.latin1(r.u32('field value length'), 'field value'));
  }
  const op = fields.get('op');
  const key = fields.get('key');
  const dbText = fields.get('db') ?? '0';
  const db = Number(dbText);
  if (op === undefined || op.length === 0 || key === undefined || !Databases.isIndex(db) || String(db) !== dbText) r.corrupt('a change without its op, key or database');
  return { db, op, key, value: fields.get('value') };
}

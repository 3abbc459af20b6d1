// The keys one client WATCHes, each with the version it read (negative for a key expired but not
// yet removed): VERSION_PENDING while the read is under way, WATCH_FAILED when it failed (the WATCH
// answered an error and the key is dropped), else the version EXEC compares against. An EXEC
// queued behind a WATCH holds that WATCH's entries, so a failed read must abort it rather than
// leave it a watch with no version.

import { assert } from '../lib/assert.js';
import { errorReply } from '../lib/reply.js';
import type { WatchedKey } from './backend.js';

/** A watched key as the session holds it: the version is filled in once the WATCH's read lands. */
export interface Watch {
  readonly key: Buffer;
  /** The database the key was watched in (SELECT). */
  readonly db: number;
  version: number;
  /** Settles once the WATCH's read has landed or failed (the version is then read or WATCH_FAILED). */
  read: Promise<void>;
}

// Neither is a version: an expired key not yet removed reports a negative one (kv's expiredVersion).
const VERSION_PENDING = Number.NaN;
const settledAlready: Promise<void> = Promise.resolve();
const WATCH_FAILED = Number.NEGATIVE_INFINITY;

export const execAbortWatchFailed = errorReply('EXECABORT Transaction discarded because a WATCH before it failed');

export class WatchedKeys {
  /** By the database index, a colon, and the key's bytes as latin1 (one character per byte). */
  private readonly byKey = new Map<string, Watch>();

  get size(): number {
    return this.byKey.size;
  }

  /** Watches the keys not watched yet, their versions pending; returns those it added. */
  add(keys: readonly Buffer[], db: number): Watch[] {
    const added: Watch[] = [];
    for (const key of keys) {
      const binaryKey = `${db}:${key.toString('latin1')}`;
      if (this.byKey.has(binaryKey)) continue;
      const watch = { key: Buffer.from(key), db, version: VERSION_PENDING, read: settledAlready };
      this.byKey.set(binaryKey, watch);
      added.push(watch);
    }
    return added;
  }

  /** `read` settles once the WATCH that added these keys has read their versions (or failed to). */
  reading(added: readonly Watch[], read: Promise<unknown>): void {
    const landed = read.then(noop, noop);
    for (const watch of added) watch.read = landed;
  }

  /** The reads of `added` failed: no version, no watch. */
  failed(added: readonly Watch[]): void {
    for (const watch of added) {
      watch.version = WATCH_FAILED;
      this.byKey.delete(`${watch.db}:${watch.key.toString('latin1')}`);
    }
  }

  /** The watches an EXEC takes with it (their versions may still be pending). */
  list(): Watch[] {
    return [...this.byKey.values()];
  }

  clear(): void {
    this.byKey.clear();
  }
}

/** Whether a watch's version is still being read. */
export function watchPending(watch: Watch): boolean {
  return Number.isNaN(watch.version);
}

/** Resolves once every one of `watches` has its version read or has failed. */
export async function versionsLanded(watches: readonly Watch[]): Promise<void> {
  for (const watch of watches) await watch.read;
}

function noop(): void {}

export function watchFailed(watch: Watch): boolean {
  return watch.version === WATCH_FAILED;
}

/** A watch whose version was read, as the backend compares it. */
export function settledWatch(watch: Watch): WatchedKey {
  assert(Number.isSafeInteger(watch.version), 'WATCH read the version before the transaction uses it');
  return watch.db === 0 ? { key: watch.key, version: watch.version } : { key: watch.key, version: watch.version, db: watch.db };
}

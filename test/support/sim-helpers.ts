// Helpers for tests that drive storage code on the simulator's disk: run the scheduler until a
// promise settles, and wrap a Disk so that its files' fsync can be replaced (a lying or failing disk).

import assert from 'node:assert/strict';
import type { Disk, DiskFile } from '../../src/io/disk.js';
import type { Scheduler } from '../../src/sim/scheduler.js';

/** Runs the simulated scheduler until `promise` settles (bounded), then returns or throws its outcome. */
export async function settleOn<T>(scheduler: Scheduler, promise: Promise<T>): Promise<T> {
  let out: { v: T } | { e: unknown } | undefined;
  promise.then((v) => (out = { v }), (e: unknown) => (out = { e }));
  await scheduler.runUntil(Infinity, () => out !== undefined, 100_000);
  assert.ok(out !== undefined, 'settled');
  if ('e' in out) throw out.e;
  return out.v;
}

/** `disk` with every opened file's sync() replaced by `sync(file)`; everything else passes through. */
export function withFileSync(disk: Disk, sync: (file: DiskFile) => Promise<void>): Disk {
  const wrapFile = (file: DiskFile): DiskFile => ({
    path: file.path,
    sizeBytes: () => file.sizeBytes(),
    append: (data) => file.append(data),
    read: (position, length) => file.read(position, length),
    sync: () => sync(file),
    truncate: (sizeBytes) => file.truncate(sizeBytes),
    close: () => file.close(),
  });
  return {
    openFile: async (path) => wrapFile(await disk.openFile(path)),
    readFile: (path) => disk.readFile(path),
    list: (dir) => disk.list(dir),
    mkdirp: (dir) => disk.mkdirp(dir),
    rename: (from, to) => disk.rename(from, to),
    remove: (path) => disk.remove(path),
    syncDir: (dir) => disk.syncDir(dir),
    lock: (dir) => disk.lock(dir),
  };
}

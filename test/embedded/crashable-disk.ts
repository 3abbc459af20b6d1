// A real-disk Disk that can "crash": crash() stops all I/O, then cuts every file back to what was
// last fdatasync'd plus a random prefix of the unsynced bytes (the io/Disk crash contract), and
// releases the folder locks — as if the process had died and the machine lost power.

import type { DirLock, Disk, DiskFile } from '../../src/io/disk.js';
import { CairnError } from '../../src/lib/errors.js';
import type { Prng } from '../../src/lib/prng.js';
import { NodeDisk } from '../../src/runtime/disk.js';
import { truncate, stat } from 'node:fs/promises';

export class CrashableDisk implements Disk {
  private readonly inner = new NodeDisk();
  private readonly syncedBytes = new Map<string, number>();
  private readonly files = new Set<DiskFile>();
  private readonly locks = new Set<DirLock>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private crashed = false;

  private track<T>(op: () => Promise<T>): Promise<T> {
    if (this.crashed) return Promise.reject(new CairnError('CAIRN_IO', 'disk crashed'));
    const promise = op();
    this.inFlight.add(promise);
    const forget = (): void => {
      this.inFlight.delete(promise);
    };
    promise.then(forget, forget);
    return promise;
  }

  /** Stops all I/O and keeps only synced bytes plus a random prefix of the rest. Then the disk works again. */
  async crash(prng: Prng): Promise<void> {
    this.crashed = true;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    for (const file of this.files) await file.close().catch(() => undefined);
    this.files.clear();
    for (const [path, synced] of this.syncedBytes) {
      const size = await stat(path).then((s) => s.size, () => -1);
      if (size > synced) await truncate(path, synced + prng.int(0, size - synced));
    }
    for (const lock of this.locks) await lock.release();
    this.locks.clear();
    this.crashed = false;
  }

  async openFile(path: string): Promise<DiskFile> {
    const file = await this.track(() => this.inner.openFile(path));
    if (!this.syncedBytes.has(path)) this.syncedBytes.set(path, 0);
    const wrapped: DiskFile = {
      path,
      sizeBytes: () => file.sizeBytes(),
      append: (data) => this.track(() => file.append(data)),
      read: (position, length) => this.track(() => file.read(position, length)),
      sync: () =>
        this.track(async () => {
          const size = file.sizeBytes();
          await file.sync();
          this.syncedBytes.set(path, Math.max(size, this.syncedBytes.get(path) ?? 0));
        }),
      truncate: (size) =>
        this.track(async () => {
          await file.truncate(size);
          this.syncedBytes.set(path, Math.min(size, this.syncedBytes.get(path) ?? 0));
        }),
      close: async () => {
        this.files.delete(wrapped);
        await file.close();
      },
    };
    this.files.add(wrapped);
    return wrapped;
  }

  readFile(path: string): Promise<Uint8Array | undefined> {
    return this.track(() => this.inner.readFile(path));
  }
  list(dir: string): Promise<string[]> {
    return this.track(() => this.inner.list(dir));
  }
  mkdirp(dir: string): Promise<void> {
    return this.track(() => this.inner.mkdirp(dir));
  }
  rename(from: string, to: string): Promise<void> {
    return this.track(async () => {
      await this.inner.rename(from, to);
      this.syncedBytes.set(to, this.syncedBytes.get(from) ?? 0);
      this.syncedBytes.delete(from);
    });
  }
  remove(path: string): Promise<void> {
    return this.track(async () => {
      await this.inner.remove(path);
      this.syncedBytes.delete(path);
    });
  }
  syncDir(dir: string): Promise<void> {
    return this.track(() => this.inner.syncDir(dir));
  }
  async lock(dir: string): Promise<DirLock> {
    const lock = await this.track(() => this.inner.lock(dir));
    const wrapped: DirLock = {
      release: async () => {
        this.locks.delete(wrapped);
        await lock.release();
      },
    };
    this.locks.add(wrapped);
    return wrapped;
  }
}

// NodeDisk: the io/Disk contract on node:fs. append() writes at once on the calling thread (into
// the page cache), sync() is fdatasync (in the thread pool), syncDir() fsyncs the folder, lock()
// holds a LOCK file naming the owner (runtime/lock-holder.ts); a lock whose holder has died (gone,
// a zombie, or its pid reused by another process) is taken over.
// Disk errors (full, I/O, permissions, read-only) become CairnError CAIRN_IO naming the path.

import { promises as fs, constants as fsConstants, fdatasync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { assert } from '../lib/assert.js';
import { CairnError, errorMessage } from '../lib/errors.js';
import type { DirLock, Disk, DiskFile } from '../io/disk.js';
import { formatHolder, holderAlive, parseHolder, selfHolder } from './lock-holder.js';

const LOCK_NAME = 'LOCK';
const LOCK_ATTEMPTS_MAX = 3;
const READ_CHUNK_BYTES_MAX = 1024 * 1024 * 1024;
const FOLDER_DEPTH_MAX = 4096;

function ioError(error: unknown, action: string, path: string): Error {
  if (error instanceof CairnError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? 'unknown';
  const message = errorMessage(error);
  return new CairnError('CAIRN_IO', `${action} ${path} failed (${code}): ${message}`, { cause: error });
}

async function guarded<T>(action: string, path: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (error) {
    throw ioError(error, action, path);
  }
}

class NodeDiskFile implements DiskFile {
  private closed = false;

  constructor(
    readonly path: string,
    private readonly handle: fs.FileHandle,
    private size: number,
  ) {}

  sizeBytes(): number {
    return this.size;
  }

  async append(data: Uint8Array): Promise<void> {
    assert(!this.closed, `${this.path}: append after close`);
    const position = this.size;
    // The logical size moves first so an append started after this one lands after it.
    this.size += data.length;
    // Written at once, on this thread: an append only copies into the page cache (a log record
    // batch, microseconds), while a thread-pool write costs two thread hops and an event-loop turn
    // on every Ready. The fdatasync, which waits for the device, stays in the pool.
    await guarded('append to', this.path, async () => {
      let written = 0;
      while (written < data.length) {
        const bytesWritten = writeSync(this.handle.fd, data, written, data.length - written, position + written);
        assert(bytesWritten > 0, 'write makes progress');
        written += bytesWritten;
      }
    });
  }

  async read(position: number, length: number): Promise<Uint8Array> {
    assert(position >= 0 && length >= 0, 'read range is non-negative');
    assert(length <= READ_CHUNK_BYTES_MAX, 'read length is bounded');
    const wanted = Math.max(0, Math.min(length, this.size - position));
    const buffer = Buffer.allocUnsafe(wanted);
    return guarded('read', this.path, async () => {
      let got = 0;
      while (got < wanted) {
        const { bytesRead } = await this.handle.read(buffer, got, wanted - got, position + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return buffer.subarray(0, got);
    });
  }

  sync(): Promise<void> {
    // fs.fdatasync with a callback: the FileHandle's promise form costs more per call on this path.
    return guarded('fdatasync', this.path, () => new Promise<void>((resolve, reject) => fdatasync(this.handle.fd, (error) => (error === null ? resolve() : reject(error)))));
  }

  async truncate(sizeBytes: number): Promise<void> {
    assert(sizeBytes >= 0, 'truncate size is non-negative');
    await guarded('truncate', this.path, () => this.handle.truncate(sizeBytes));
    this.size = sizeBytes;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await guarded('close', this.path, () => this.handle.close());
  }
}

export class NodeDisk implements Disk {
  async openFile(path: string): Promise<DiskFile> {
    return guarded('open', path, async () => {
      const handle = await fs.open(path, fsConstants.O_RDWR | fsConstants.O_CREAT, 0o644);
      const { size } = await handle.stat();
      return new NodeDiskFile(path, handle, size);
    });
  }

  async readFile(path: string): Promise<Uint8Array | undefined> {
    try {
      return await fs.readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw ioError(error, 'read', path);
    }
  }

  async list(dir: string): Promise<string[]> {
    try {
      return await fs.readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw ioError(error, 'list', dir);
    }
  }

  /** Durable when it resolves: the parent of every folder it created is fsynced, so the new names survive a crash. */
  async mkdirp(dir: string): Promise<void> {
    const target = resolve(dir);
    const first = await guarded('create folder', dir, () => fs.mkdir(target, { recursive: true }));
    if (first === undefined) return;
    const created: string[] = [];
    for (let folder = target; folder.length >= first.length && created.length < FOLDER_DEPTH_MAX; folder = dirname(folder)) created.push(folder);
    assert(created.at(-1) === resolve(first), 'the folders created lie between the first one and the target');
    for (const folder of created) await this.syncDir(dirname(folder));
  }

  async rename(from: string, to: string): Promise<void> {
    await guarded('rename', `${from} -> ${to}`, () => fs.rename(from, to));
  }

  async remove(path: string): Promise<void> {
    await guarded('remove', path, () => fs.rm(path, { force: true }));
  }

  async syncDir(dir: string): Promise<void> {
    await guarded('fsync folder', dir, async () => {
      const handle = await fs.open(dir, fsConstants.O_RDONLY);
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    });
  }

  async lock(dir: string): Promise<DirLock> {
    const path = join(dir, LOCK_NAME);
    for (let attempt = 0; attempt < LOCK_ATTEMPTS_MAX; attempt++) {
      if (await this.tryCreateLock(path)) return { release: () => this.remove(path) };
      const text = await readLockText(path);
      const holder = parseHolder(text);
      if (holder !== undefined && (await holderAlive(holder))) {
        throw new CairnError('CAIRN_LOCKED', `data folder ${dir} is in use by process ${holder.pid}${holder.pid === process.pid ? ' (this process)' : ''}`);
      }
      // The holder is dead: take the lock over, unless someone else did so since we read it.
      if ((await readLockText(path)) === text) await this.remove(path);
    }
    throw new CairnError('CAIRN_LOCKED', `data folder ${dir}: could not take ${path} after ${LOCK_ATTEMPTS_MAX} attempts`);
  }

  /** Creates LOCK naming this process atomically: it is written to a temp file that is then hard-linked. */
  private async tryCreateLock(path: string): Promise<boolean> {
    const temp = `${path}.${process.pid}.tmp`;
    const owner = formatHolder(await selfHolder());
    await guarded('write lock file', temp, () => fs.writeFile(temp, owner, { mode: 0o644 }));
    try {
      await fs.link(temp, path);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // EEXIST: someone holds it. ENOENT: the holder's open swept our temp file away as crash debris.
      if (code === 'EEXIST' || code === 'ENOENT') return false;
      throw ioError(error, 'create lock file', path);
    } finally {
      await fs.rm(temp, { force: true });
    }
  }
}

/** The LOCK file's text; empty when it is gone or unreadable (a holder that cannot be named holds nothing). */
function readLockText(path: string): Promise<string> {
  return fs.readFile(path, 'utf8').catch(() => '');
}

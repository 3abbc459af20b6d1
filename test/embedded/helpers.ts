// Test helpers for the embedded store's tests: temp folders, a manual clock, and a disk that fails on demand.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock, TimerHandle } from '../../src/io/clock.js';
import type { DirLock, Disk, DiskFile } from '../../src/io/disk.js';
import { CairnError } from '../../src/lib/errors.js';
import type { Reply } from '../../src/lib/reply.js';
import { NodeDisk } from '../../src/runtime/disk.js';

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-store-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A clock whose time only moves when the test says so; timers never fire on their own. */
export class ManualClock implements Clock {
  constructor(public now = 1_700_000_000_000) {}
  nowMs(): number {
    return this.now;
  }
  monotonicMs(): number {
    return this.now;
  }
  setTimer(_delayMs: number, _callback: () => void): TimerHandle {
    return { cancel: () => undefined };
  }
}

export const b = (text: string): Buffer => Buffer.from(text);

/** The state's map key of a key: its UTF-8 bytes as latin1 (one char per byte). */
export const binaryKey = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

export function text(reply: Reply | undefined): string {
  if (reply === undefined) return '(none)';
  switch (reply.type) {
    case 'bulk':
      return Buffer.from(reply.value).toString();
    case 'simple':
      return reply.value;
    case 'integer':
      return String(reply.value);
    case 'error':
      return `ERR:${reply.message}`;
    default:
      return reply.type;
  }
}

/** A NodeDisk whose appends and syncs fail with ENOSPC once `failing` is set. */
export class FullDisk implements Disk {
  failing = false;
  private readonly inner = new NodeDisk();

  private check(path: string): void {
    if (this.failing) throw new CairnError('CAIRN_IO', `append to ${path} failed (ENOSPC): no space left on device`);
  }

  async openFile(path: string): Promise<DiskFile> {
    const file = await this.inner.openFile(path);
    return {
      path,
      sizeBytes: () => file.sizeBytes(),
      append: async (data) => {
        this.check(path);
        await file.append(data);
      },
      read: (position, length) => file.read(position, length),
      sync: async () => {
        this.check(path);
        await file.sync();
      },
      truncate: (size) => file.truncate(size),
      close: () => file.close(),
    };
  }
  readFile(path: string): Promise<Uint8Array | undefined> {
    return this.inner.readFile(path);
  }
  list(dir: string): Promise<string[]> {
    return this.inner.list(dir);
  }
  mkdirp(dir: string): Promise<void> {
    return this.inner.mkdirp(dir);
  }
  rename(from: string, to: string): Promise<void> {
    return this.inner.rename(from, to);
  }
  remove(path: string): Promise<void> {
    return this.inner.remove(path);
  }
  syncDir(dir: string): Promise<void> {
    return this.inner.syncDir(dir);
  }
  lock(dir: string): Promise<DirLock> {
    return this.inner.lock(dir);
  }
}

/** A manual clock whose timers run when the test calls runDueTimers(). */
export class TimerClock extends ManualClock {
  private timers: { atMs: number; callback: () => void; cancelled: boolean }[] = [];

  override setTimer(delayMs: number, callback: () => void): TimerHandle {
    const timer = { atMs: this.now + delayMs, callback, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => (timer.cancelled = true) };
  }

  /** Runs every timer due at the current time (timers they set run on a later call). */
  runDueTimers(): number {
    const due = this.timers.filter((t) => !t.cancelled && t.atMs <= this.now);
    this.timers = this.timers.filter((t) => !t.cancelled && t.atMs > this.now);
    for (const timer of due) timer.callback();
    return due.length;
  }
}

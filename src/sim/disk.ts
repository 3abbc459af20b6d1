// SimDisk: io/Disk in memory, with latency and crashes. Each file keeps the bytes a reader sees and
// the bytes that would survive a crash; sync() moves the second up to the first. Creations, renames
// and removals reach the durable namespace only through syncDir(). crash() keeps a random prefix of
// each file's unsynced writes (the last one possibly torn) and of each folder's unsynced entries,
// and strands the dead process: its pending operations never complete.

import { assert } from '../lib/assert.js';
import { CairnError } from '../lib/errors.js';
import type { Prng } from '../lib/prng.js';
import type { DirLock, Disk, DiskFile } from '../io/disk.js';
import { GrowableBytes } from './bytes.js';
import type { Scheduler } from './scheduler.js';

export interface DiskLatency {
  readMinMs: number;
  readMaxMs: number;
  writeMinMs: number;
  writeMaxMs: number;
  syncMinMs: number;
  syncMaxMs: number;
}

export const FAST_DISK: DiskLatency = { readMinMs: 0, readMaxMs: 1, writeMinMs: 0, writeMaxMs: 1, syncMinMs: 1, syncMaxMs: 4 };

type FileOp = { seq: number; kind: 'append'; data: Uint8Array } | { seq: number; kind: 'truncate'; sizeBytes: number };

class Inode {
  current = new GrowableBytes();
  durable = new GrowableBytes();
  pending: FileOp[] = []; // writes since the durable point, oldest first
}

type DirOp =
  | { seq: number; kind: 'link'; path: string; inode: Inode }
  | { seq: number; kind: 'unlink'; path: string }
  | { seq: number; kind: 'rename'; from: string; to: string; inode: Inode };

export interface CrashReport {
  unsyncedWritesDropped: number;
  tornWrites: number;
  dirOpsDropped: number;
}

export class SimDisk implements Disk {
  private names = new Map<string, Inode>(); // what the running process sees
  private durableNames = new Map<string, Inode>(); // what survives a crash
  private pendingDirOps = new Map<string, DirOp[]>(); // per folder, since its last syncDir
  private readonly dirs = new Set<string>(['', '/', '.']);
  private readonly locks = new Set<string>();
  private epoch = 0; // bumps on crash; operations of an older epoch never complete
  private opSeq = 0;
  private lastDoneAtMs = 0; // operations complete in issue order, like one disk queue

  constructor(
    private readonly scheduler: Scheduler,
    private readonly prng: Prng,
    private latency: DiskLatency = FAST_DISK,
    readonly maxPendingOpsPerFile = 100_000,
  ) {}

  setLatency(latency: DiskLatency): void {
    assert(latency.readMinMs <= latency.readMaxMs, 'read latency range is invalid');
    assert(latency.writeMinMs <= latency.writeMaxMs && latency.syncMinMs <= latency.syncMaxMs, 'latency range is invalid');
    this.latency = latency;
  }

  async openFile(path: string): Promise<DiskFile> {
    const p = normalize(path);
    const epoch = this.epoch;
    if (!this.dirs.has(parentOf(p))) return this.fail(epoch, 'CAIRN_IO', `openFile ${p}: folder ${parentOf(p)} does not exist`);
    let inode = this.names.get(p);
    if (inode === undefined) {
      inode = new Inode();
      this.names.set(p, inode);
      this.pushDirOp(parentOf(p), { seq: this.opSeq++, kind: 'link', path: p, inode });
    }
    return this.complete(epoch, this.latency.readMinMs, this.latency.readMaxMs, () => this.handle(p, inode, epoch));
  }

  async readFile(path: string): Promise<Uint8Array | undefined> {
    const inode = this.names.get(normalize(path));
    const bytes = inode?.current.read(0, inode.current.sizeBytes);
    return this.complete(this.epoch, this.latency.readMinMs, this.latency.readMaxMs, () => bytes);
  }

  async list(dir: string): Promise<string[]> {
    const d = normalize(dir);
    const out = new Set<string>();
    for (const path of this.names.keys()) if (parentOf(path) === d) out.add(baseOf(path));
    for (const sub of this.dirs) if (sub !== d && parentOf(sub) === d && sub !== '') out.add(baseOf(sub));
    const sorted = [...out].sort();
    return this.complete(this.epoch, this.latency.readMinMs, this.latency.readMaxMs, () => sorted);
  }

  /** Folders are durable as soon as they exist (a simplification: Cairn creates them once). */
  async mkdirp(dir: string): Promise<void> {
    let d = normalize(dir);
    for (let depth = 0; depth < 256 && !this.dirs.has(d); depth++) {
      this.dirs.add(d);
      d = parentOf(d);
    }
    return this.complete(this.epoch, this.latency.writeMinMs, this.latency.writeMaxMs, () => undefined);
  }

  async rename(from: string, to: string): Promise<void> {
    const f = normalize(from);
    const t = normalize(to);
    const epoch = this.epoch;
    const inode = this.names.get(f);
    if (inode === undefined) return this.fail(epoch, 'CAIRN_IO', `rename: ${f} does not exist`);
    if (!this.dirs.has(parentOf(t))) return this.fail(epoch, 'CAIRN_IO', `rename: folder of ${t} does not exist`);
    this.names.delete(f);
    this.names.set(t, inode);
    if (parentOf(f) === parentOf(t)) {
      this.pushDirOp(parentOf(t), { seq: this.opSeq++, kind: 'rename', from: f, to: t, inode });
    } else {
      this.pushDirOp(parentOf(t), { seq: this.opSeq++, kind: 'link', path: t, inode });
      this.pushDirOp(parentOf(f), { seq: this.opSeq++, kind: 'unlink', path: f });
    }
    return this.complete(epoch, this.latency.writeMinMs, this.latency.writeMaxMs, () => undefined);
  }

  async remove(path: string): Promise<void> {
    const p = normalize(path);
    if (this.names.delete(p)) this.pushDirOp(parentOf(p), { seq: this.opSeq++, kind: 'unlink', path: p });
    return this.complete(this.epoch, this.latency.writeMinMs, this.latency.writeMaxMs, () => undefined);
  }

  async syncDir(dir: string): Promise<void> {
    const d = normalize(dir);
    const upToSeq = this.opSeq - 1;
    return this.complete(this.epoch, this.latency.syncMinMs, this.latency.syncMaxMs, () => {
      const ops = this.pendingDirOps.get(d) ?? [];
      let applied = 0;
      while (applied < ops.length && (ops[applied] as DirOp).seq <= upToSeq) applyDirOp(this.durableNames, ops[applied++] as DirOp);
      ops.splice(0, applied);
    });
  }

  async lock(dir: string): Promise<DirLock> {
    const d = normalize(dir);
    const epoch = this.epoch;
    if (this.locks.has(d)) return this.fail(epoch, 'CAIRN_LOCKED', `data folder ${d} is locked by another process`);
    this.locks.add(d);
    const release = async (): Promise<void> => {
      if (this.epoch === epoch) this.locks.delete(d);
    };
    return this.complete(epoch, 0, 0, () => ({ release }));
  }

  /**
   * The machine lost power. Unsynced state is cut back to a random prefix (a torn last append
   * when `tornWrites` allows), every lock is released, and the dead process's pending operations
   * never complete. Returns what was lost, for the trace.
   */
  crash(tornWrites: boolean): CrashReport {
    const report: CrashReport = { unsyncedWritesDropped: 0, tornWrites: 0, dirOpsDropped: 0 };
    this.epoch++;
    this.locks.clear();
    for (const ops of this.pendingDirOps.values()) {
      const keep = this.prng.int(0, ops.length);
      for (let i = 0; i < keep; i++) applyDirOp(this.durableNames, ops[i] as DirOp);
      report.dirOpsDropped += ops.length - keep;
    }
    this.pendingDirOps.clear();
    const inodes = new Set(this.names.values());
    for (const inode of this.durableNames.values()) inodes.add(inode);
    for (const inode of inodes) this.crashFile(inode, tornWrites, report);
    this.names = new Map(this.durableNames);
    return report;
  }

  /** Paths and durable sizes, for tests and traces. */
  describeDurable(): string {
    return [...this.durableNames].map(([path, inode]) => `${path}:${inode.durable.sizeBytes}`).sort().join(' ');
  }

  private crashFile(inode: Inode, tornWrites: boolean, report: CrashReport): void {
    const keep = this.prng.int(0, inode.pending.length);
    for (let i = 0; i < keep; i++) {
      const op = inode.pending[i] as FileOp;
      const last = i === keep - 1;
      if (last && op.kind === 'append' && tornWrites && op.data.length > 1 && this.prng.chance(0.5)) {
        inode.durable.append(op.data.subarray(0, this.prng.int(1, op.data.length - 1)));
        report.tornWrites++;
      } else {
        applyFileOp(inode.durable, op);
      }
    }
    report.unsyncedWritesDropped += inode.pending.length - keep;
    inode.pending = [];
    inode.current = inode.durable.copy();
  }

  private handle(path: string, inode: Inode, epoch: number): DiskFile {
    const latency = (): DiskLatency => this.latency;
    const stale = (): boolean => this.epoch !== epoch;
    let closed = false;
    const live = (op: string): void => {
      if (closed) throw new CairnError('CAIRN_CLOSED', `${path}: ${op} after close`);
    };
    return {
      path,
      sizeBytes: () => inode.current.sizeBytes,
      append: async (data) => {
        live('append');
        if (stale()) return never();
        assert(inode.pending.length < this.maxPendingOpsPerFile, `${path}: too many unsynced writes`);
        inode.current.append(data);
        inode.pending.push({ seq: this.opSeq++, kind: 'append', data: data.slice() });
        return this.complete(epoch, latency().writeMinMs, latency().writeMaxMs, () => undefined);
      },
      read: async (position, length) => {
        live('read');
        assert(position >= 0 && length >= 0, 'read: position and length must not be negative');
        const bytes = inode.current.read(position, length);
        return this.complete(epoch, latency().readMinMs, latency().readMaxMs, () => bytes);
      },
      sync: async () => {
        live('sync');
        const upToSeq = this.opSeq - 1;
        return this.complete(epoch, latency().syncMinMs, latency().syncMaxMs, () => syncFile(inode, upToSeq));
      },
      truncate: async (sizeBytes) => {
        live('truncate');
        if (sizeBytes < 0 || sizeBytes > inode.current.sizeBytes) {
          return this.fail(epoch, 'CAIRN_INVALID_ARGUMENT', `${path}: truncate to ${sizeBytes} of ${inode.current.sizeBytes} bytes`);
        }
        inode.current.truncate(sizeBytes);
        inode.pending.push({ seq: this.opSeq++, kind: 'truncate', sizeBytes });
        return this.complete(epoch, latency().writeMinMs, latency().writeMaxMs, () => undefined);
      },
      close: async () => {
        closed = true;
      },
    };
  }

  private pushDirOp(dir: string, op: DirOp): void {
    const ops = this.pendingDirOps.get(dir) ?? [];
    assert(ops.length < this.maxPendingOpsPerFile, `${dir}: too many unsynced folder entries`);
    ops.push(op);
    this.pendingDirOps.set(dir, ops);
  }

  /** Completes an operation after a latency, in issue order; a crash in between strands it. */
  private complete<T>(epoch: number, minMs: number, maxMs: number, value: () => T): Promise<T> {
    if (epoch !== this.epoch) return never();
    const now = this.scheduler.nowMs();
    const doneAtMs = Math.max(this.lastDoneAtMs, now + this.prng.int(minMs, maxMs));
    this.lastDoneAtMs = doneAtMs;
    return new Promise<T>((resolve, reject) => {
      this.scheduler.schedule(doneAtMs - now, 'disk', () => {
        if (epoch !== this.epoch) return;
        try {
          resolve(value());
        } catch (error) {
          reject(error);
        }
      });
    });
  }

  private fail<T>(epoch: number, code: 'CAIRN_IO' | 'CAIRN_LOCKED' | 'CAIRN_INVALID_ARGUMENT', message: string): Promise<T> {
    return this.complete(epoch, 0, 0, () => {
      throw new CairnError(code, message);
    });
  }
}

function syncFile(inode: Inode, upToSeq: number): void {
  let applied = 0;
  while (applied < inode.pending.length && (inode.pending[applied] as FileOp).seq <= upToSeq) {
    applyFileOp(inode.durable, inode.pending[applied++] as FileOp);
  }
  inode.pending.splice(0, applied);
}

function applyFileOp(bytes: GrowableBytes, op: FileOp): void {
  if (op.kind === 'append') bytes.append(op.data);
  else bytes.truncate(Math.min(op.sizeBytes, bytes.sizeBytes));
}

function applyDirOp(names: Map<string, Inode>, op: DirOp): void {
  if (op.kind === 'link') names.set(op.path, op.inode);
  else if (op.kind === 'unlink') names.delete(op.path);
  else {
    names.delete(op.from);
    names.set(op.to, op.inode);
  }
}

/** A promise that never settles: the code awaiting it belongs to a process that died. */
function never<T>(): Promise<T> {
  return new Promise<T>(() => undefined);
}

function normalize(path: string): string {
  assert(path.length > 0 && path.length < 4096, 'path must be non-empty and shorter than 4096');
  const collapsed = path.replace(/\/+/g, '/');
  return collapsed.length > 1 && collapsed.endsWith('/') ? collapsed.slice(0, -1) : collapsed;
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  if (i < 0) return '.';
  return i === 0 ? '/' : path.slice(0, i);
}

function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

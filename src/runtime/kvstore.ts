// KVStore: the embedded API (`import { KVStore } from 'cairn'`) — put/get/del on a one-member Raft
// cluster (LocalNode) in a local folder, on the real disk and clock: the same write path as a
// replicated node. put and del resolve once the write is committed — as durable as the fsync
// policy promises — and applied; get reads the applied state synchronously (linearizable for a
// sole voter, local-node.ts says why). Recovery repairs are reported as process warnings (code
// CAIRN_RECOVERY) and in `recovery`.

import { Buffer } from 'node:buffer';
import { CairnError } from '../lib/errors.js';
import type { Reply } from '../lib/reply.js';
import { isFsyncPolicy, type FsyncPolicy } from '../storage/fsync-policy.js';
import { eventLoopTurn, SystemClock } from './clock.js';
import { NodeDisk } from './disk.js';
import { LocalNode, type LocalNodeStats } from './local-node.js';
import { describeRecovery, type LocalRecovery } from './local-recovery.js';

export type { FsyncPolicy } from '../storage/fsync-policy.js';

export type KeyLike = string | Uint8Array;

export interface KVStoreOptions {
  /** 'always' (default), 'everysec' or 'no'; see docs/STORAGE.md for what each promises. */
  readonly fsync?: FsyncPolicy;
  /** Compact once the log outgrows max(this, the last snapshot's size) in bytes (default 64 MiB). */
  readonly compactionMinBytes?: number;
  /** ...or once this many writes were applied since the last snapshot (default 1,000,000). */
  readonly snapshotEveryEntries?: number;
}

const SET = Buffer.from('SET');
const DEL = Buffer.from('DEL');

function toBytes(value: KeyLike, what: string): Uint8Array {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return value;
  throw new CairnError('CAIRN_INVALID_ARGUMENT', `${what} must be a string or a Buffer`);
}

const ASCII_ONLY = /^[\x00-\x7f]*$/;

/** The store's map key for a key: its UTF-8 bytes as latin1. An ASCII string already is that. */
function binaryKeyOf(key: KeyLike): string {
  if (typeof key === 'string') return ASCII_ONLY.test(key) ? key : Buffer.from(key, 'utf8').toString('latin1');
  const bytes = toBytes(key, 'key');
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** A private copy as a Buffer: allocate and set, which V8 keeps monomorphic (Buffer.from's array-like path measured 2× slower here). */
function copyOf(value: Uint8Array): Buffer {
  const copy = Buffer.allocUnsafe(value.length);
  copy.set(value);
  return copy;
}

function replyError(reply: Reply | undefined): CairnError {
  const text = reply === undefined ? 'no reply' : reply.type === 'error' ? reply.message : `unexpected ${reply.type} reply`;
  return new CairnError('CAIRN_INVALID_ARGUMENT', text);
}

export class KVStore {
  private constructor(private readonly node: LocalNode) {}

  /** Opens (creating if needed) the store in `dir`. A folder open in another process: CAIRN_LOCKED. */
  static async open(dir: string, options: KVStoreOptions = {}): Promise<KVStore> {
    if (typeof dir !== 'string' || dir.length === 0) throw new CairnError('CAIRN_INVALID_ARGUMENT', 'dir must be a non-empty path');
    const fsync = options.fsync ?? 'always';
    if (!isFsyncPolicy(fsync)) throw new CairnError('CAIRN_INVALID_ARGUMENT', `fsync must be 'always', 'everysec' or 'no', not ${String(fsync)}`);
    const node = await LocalNode.open({
      dir,
      disk: new NodeDisk(),
      clock: new SystemClock(),
      yieldTurn: eventLoopTurn,
      fsync,
      compactionMinBytes: options.compactionMinBytes,
      snapshotEveryEntries: options.snapshotEveryEntries,
    });
    for (const warning of describeRecovery(node.recovery)) process.emitWarning(`${dir}: ${warning}`, { code: 'CAIRN_RECOVERY' });
    return new KVStore(node);
  }

  async put(key: KeyLike, value: KeyLike): Promise<void> {
    const [reply] = await this.node.write([[SET, toBytes(key, 'key'), toBytes(value, 'value')]]);
    if (reply?.type !== 'simple') throw replyError(reply);
  }

  /**
   * The value as a Buffer (a copy), or undefined when the key is absent. Synchronous and
   * linearizable: the node is the only voter, so the applied state holds every acknowledged write.
   */
  get(key: KeyLike): Buffer | undefined {
    const value = this.node.getValueByBinaryKey(binaryKeyOf(key));
    return value === undefined ? undefined : copyOf(value);
  }

  /** True when the key existed. */
  async del(key: KeyLike): Promise<boolean> {
    const [reply] = await this.node.write([[DEL, toBytes(key, 'key')]]);
    if (reply?.type !== 'integer') throw replyError(reply);
    return Number(reply.value) > 0;
  }

  /** Snapshot now and drop the log it covers. */
  compact(): Promise<void> {
    return this.node.compact();
  }

  /** What opening found and had to repair (a torn tail cut off, a damaged snapshot skipped). */
  get recovery(): LocalRecovery {
    return this.node.recovery;
  }

  stats(): LocalNodeStats {
    return this.node.stats();
  }

  /** Waits for writes in flight, makes everything durable (whatever the fsync policy) and releases the folder. */
  close(): Promise<void> {
    return this.node.close();
  }
}

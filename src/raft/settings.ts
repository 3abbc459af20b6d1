// RaftConfig with defaults filled in and every bound checked once, at construction.

import { CairnError } from '../lib/errors.js';
import type { RaftConfig } from './types.js';
import { APPEND_ENTRIES_MAX } from './validate.js';

export interface Settings {
  electionTimeoutTicks: number;
  heartbeatIntervalTicks: number;
  preVote: boolean;
  checkQuorum: boolean;
  leaseBasedReads: boolean;
  maxBatchEntries: number;
  maxBatchBytes: number;
  maxInflightMessages: number;
  maxInflightBytes: number;
  snapshotChunkBytes: number;
  maxUncommittedBytes: number;
  maxPendingReads: number;
}

function positiveInt(name: string, value: number | undefined, fallback: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 1 || v > max) {
    throw new CairnError('CAIRN_INVALID_ARGUMENT', `raft: ${name} must be an integer in [1, ${max}], got ${v}`);
  }
  return v;
}

export function resolveSettings(c: RaftConfig): Settings {
  if (typeof c.id !== 'string' || c.id.length === 0 || c.id.length > 256) {
    throw new CairnError('CAIRN_INVALID_ARGUMENT', 'raft: id must be a non-empty string of at most 256 characters');
  }
  const electionTimeoutTicks = positiveInt('electionTimeoutTicks', c.electionTimeoutTicks, 10, 1_000_000);
  const heartbeatIntervalTicks = positiveInt('heartbeatIntervalTicks', c.heartbeatIntervalTicks, 1, 1_000_000);
  if (heartbeatIntervalTicks >= electionTimeoutTicks) {
    throw new CairnError('CAIRN_INVALID_ARGUMENT', 'raft: heartbeatIntervalTicks must be below electionTimeoutTicks');
  }
  const checkQuorum = c.checkQuorum ?? true;
  const leaseBasedReads = c.leaseBasedReads ?? false;
  if (leaseBasedReads && !checkQuorum) {
    throw new CairnError('CAIRN_INVALID_ARGUMENT', 'raft: leaseBasedReads requires checkQuorum');
  }
  return {
    electionTimeoutTicks,
    heartbeatIntervalTicks,
    preVote: c.preVote ?? true,
    checkQuorum,
    leaseBasedReads,
    maxBatchEntries: positiveInt('maxBatchEntries', c.maxBatchEntries, 1024, APPEND_ENTRIES_MAX),
    maxBatchBytes: positiveInt('maxBatchBytes', c.maxBatchBytes, 1 << 20, 1 << 30),
    maxInflightMessages: positiveInt('maxInflightMessages', c.maxInflightMessages, 64, 100_000),
    maxInflightBytes: positiveInt('maxInflightBytes', c.maxInflightBytes, 16 << 20, 2 ** 31 - 1),
    snapshotChunkBytes: positiveInt('snapshotChunkBytes', c.snapshotChunkBytes, 256 << 10, 1 << 30),
    maxUncommittedBytes: positiveInt('maxUncommittedBytes', c.maxUncommittedBytes, 64 << 20, 2 ** 31 - 1),
    maxPendingReads: positiveInt('maxPendingReads', c.maxPendingReads, 4096, 1_000_000),
  };
}

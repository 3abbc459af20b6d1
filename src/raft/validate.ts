// Shape checks for messages from the network. A message that fails them is dropped by step():
// peers run the same code, so a malformed message is a transport fault, not a reason to crash.

import { PEER_INCARNATIONS_MAX } from '../lib/limits.js';
import { isIncarnation } from './incarnations.js';
import { NODE_ID_LENGTH_MAX } from './membership.js';
import { SNAPSHOT_BYTES_MAX } from './snapshot-receiver.js';
import type { Entry, Message } from './types.js';

/** Entries in one append: the most a leader sends (settings.ts bounds maxBatchEntries by it), a follower accepts and the peer wire carries. */
export const APPEND_ENTRIES_MAX = 1_000_000;

function isIndex(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= NODE_ID_LENGTH_MAX;
}

/** Entries must be contiguous after prevIndex, with terms non-decreasing and at most `term`. */
function entriesOk(entries: unknown, prevIndex: number, prevTerm: number, term: number): boolean {
  if (!Array.isArray(entries) || entries.length > APPEND_ENTRIES_MAX) return false;
  let lastTerm = prevTerm;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as Partial<Entry> | null;
    if (e === null || typeof e !== 'object') return false;
    if (e.index !== prevIndex + 1 + i || !isIndex(e.term) || e.term < lastTerm || e.term > term) return false;
    if (!isIndex(e.kind) || !(e.data instanceof Uint8Array)) return false;
    lastTerm = e.term;
  }
  return true;
}

function membershipOk(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const { voters, learners } = value as { voters?: unknown; learners?: unknown };
  const ids = (list: unknown): boolean => Array.isArray(list) && list.length <= 1024 && list.every(isId);
  if (!ids(voters) || !ids(learners)) return false;
  const all = new Set([...(voters as string[]), ...(learners as string[])]);
  return all.size === (voters as string[]).length + (learners as string[]).length;
}

export function isValidMessage(m: Message): boolean {
  if (m === null || typeof m !== 'object') return false;
  if (!isId(m.from) || !isId(m.to) || !isIndex(m.term) || !isIncarnation(m.incarnation)) return false;
  switch (m.type) {
    case 'vote':
      return isIndex(m.lastLogIndex) && isIndex(m.lastLogTerm) && typeof m.preVote === 'boolean' &&
        typeof m.transfer === 'boolean';
    case 'voteResponse':
      return typeof m.granted === 'boolean' && typeof m.preVote === 'boolean';
    case 'append':
      return isIndex(m.prevIndex) && isIndex(m.prevTerm) && isIndex(m.commitIndex) &&
        entriesOk(m.entries, m.prevIndex, m.prevTerm, m.term);
    case 'appendResponse':
      return isIndex(m.matchIndex) && isIndex(m.rejectedIndex) && isIndex(m.conflictTerm) && isIndex(m.conflictIndex);
    case 'heartbeat':
      return isIndex(m.commitIndex) && isIndex(m.readSeq);
    case 'heartbeatResponse':
      return isIndex(m.readSeq);
    case 'snapshot':
      return isIndex(m.offset) && isIndex(m.totalBytes) && m.totalBytes <= SNAPSHOT_BYTES_MAX &&
        m.chunk instanceof Uint8Array && typeof m.meta === 'object' && m.meta !== null &&
        isIndex(m.meta.index) && isIndex(m.meta.term) && membershipOk(m.meta.membership);
    case 'snapshotResponse':
      return isIndex(m.snapshotIndex) && isIndex(m.nextOffset) && typeof m.done === 'boolean';
    case 'timeoutNow':
      return true;
    case 'readIndex':
      return typeof m.requestId === 'string';
    case 'readIndexResponse':
      return typeof m.requestId === 'string' && typeof m.index === 'number' && Number.isSafeInteger(m.index);
    case 'staleIncarnation':
      return isIncarnation(m.rejected);
    case 'incarnations':
      return Array.isArray(m.peers) && m.peers.length <= PEER_INCARNATIONS_MAX &&
        m.peers.every((p) => p !== null && typeof p === 'object' && isId(p.id) && isIncarnation(p.incarnation));
    default:
      return false;
  }
}

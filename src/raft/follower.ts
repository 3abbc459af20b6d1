// A follower's side of replication (§5.3, §7): accepting AppendEntries (skipping what is known
// committed, truncating a conflicting suffix, tracking CONFIG entries), rejecting with a conflict
// hint, heartbeats, and InstallSnapshot chunks. The node has already accepted the sender as leader.

import { assert } from '../lib/assert.js';
import type { RaftLog } from './log.js';
import { decodeMembership, makeMembership, type MembershipHistory } from './membership.js';
import type { Outgoing } from './replicator.js';
import type { SnapshotReceiver } from './snapshot-receiver.js';
import {
  EntryKind, type AppendMessage, type HeartbeatMessage, type NodeId, type Snapshot, type SnapshotMessage,
} from './types.js';

export interface FollowerContext {
  readonly log: RaftLog;
  readonly members: MembershipHistory;
  readonly receiver: SnapshotReceiver;
  send(message: Outgoing): void;
  /** A received snapshot replaced the log: the node keeps it, hands it out, and may send it on. */
  installed(snapshot: Snapshot): void;
}

export function followerAppend(ctx: FollowerContext, m: AppendMessage): void {
  const log = ctx.log;
  let { prevIndex, prevTerm, entries } = m;
  const commitIndex = log.commitIndex;
  if (prevIndex < commitIndex) {
    // Entries up to our commit index are committed, so they match the leader's: skip them.
    const skip = Math.min(commitIndex - prevIndex, entries.length);
    entries = entries.slice(skip);
    prevIndex += skip;
    if (prevIndex < commitIndex) return ackAppend(ctx, m.from, commitIndex);
    prevTerm = log.termAt(prevIndex)!;
  }
  const lastIndexBefore = log.lastIndex();
  const firstWritten = log.maybeAppend(prevIndex, prevTerm, entries);
  if (firstWritten < 0) return rejectAppend(ctx, m.from, prevIndex);
  if (firstWritten <= lastIndexBefore) ctx.members.truncateFrom(firstWritten);
  for (let i = Math.max(0, firstWritten - prevIndex - 1); i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry.kind === EntryKind.CONFIG) ctx.members.add(entry.index, decodeMembership(entry.data));
  }
  const lastNewIndex = prevIndex + entries.length;
  assert(log.termAt(lastNewIndex) === (entries.length > 0 ? entries[entries.length - 1]!.term : prevTerm),
    'log matching: the last new entry is the leader\'s');
  // Commit only what is known to match the leader: entries past lastNewIndex may be stale.
  log.commitTo(Math.min(m.commitIndex, lastNewIndex));
  ackAppend(ctx, m.from, lastNewIndex);
}

function ackAppend(ctx: FollowerContext, to: NodeId, matchIndex: number): void {
  ctx.send({ type: 'appendResponse', to, success: true, matchIndex, rejectedIndex: 0, conflictTerm: 0, conflictIndex: 0 });
}

/** Rejects with a hint (thesis §5.3 optimization) so the leader skips a whole term at a time. */
function rejectAppend(ctx: FollowerContext, to: NodeId, prevIndex: number): void {
  const log = ctx.log;
  const lastIndex = log.lastIndex();
  let conflictTerm = 0;
  let conflictIndex = lastIndex + 1;
  if (prevIndex <= lastIndex) {
    conflictTerm = log.termAt(prevIndex)!;
    conflictIndex = log.firstIndexOfTermAt(prevIndex, log.commitIndex + 1);
  }
  assert(conflictIndex <= prevIndex + 1, 'a hint never points past the rejected index');
  ctx.send({ type: 'appendResponse', to, success: false, matchIndex: 0, rejectedIndex: prevIndex, conflictTerm, conflictIndex });
}

export function followerHeartbeat(ctx: FollowerContext, m: HeartbeatMessage): void {
  // The leader sends min(its commit, our match), so every index up to it matches its log.
  ctx.log.commitTo(Math.min(m.commitIndex, ctx.log.lastIndex()));
  ctx.send({ type: 'heartbeatResponse', to: m.from, readSeq: m.readSeq });
}

export function followerSnapshot(ctx: FollowerContext, m: SnapshotMessage): void {
  const respond = (nextOffset: number, done: boolean): void =>
    ctx.send({ type: 'snapshotResponse', to: m.from, snapshotIndex: m.meta.index, nextOffset, done });
  if (m.meta.index <= ctx.log.commitIndex) {
    ctx.receiver.reset();
    return respond(m.totalBytes, true);
  }
  const data = ctx.receiver.receive(m);
  if (data === null) {
    const expected = ctx.receiver.expected();
    return respond(expected.index === m.meta.index ? expected.offset : 0, false);
  }
  installSnapshot(ctx, { meta: m.meta, data });
  respond(m.totalBytes, true);
}

function installSnapshot(ctx: FollowerContext, snapshot: Snapshot): void {
  const { meta } = snapshot;
  if (ctx.log.termAt(meta.index) === meta.term) {
    // Our log already holds the snapshot's last entry, so the prefix matches: just commit it.
    ctx.log.commitTo(meta.index);
    return;
  }
  const membership = makeMembership(meta.membership.voters, meta.membership.learners);
  ctx.log.restore(meta);
  ctx.members.reset(meta.index, membership);
  ctx.installed({ meta: { ...meta, membership }, data: snapshot.data });
}

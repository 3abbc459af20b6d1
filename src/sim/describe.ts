// One-line descriptions of Raft messages and log entries for the trace.

import { EntryKind } from '../raft/types.js';
import type { Entry, Message } from '../raft/types.js';

export function describeMessage(m: Message): string {
  const head = `${m.type} t${m.term} inc=${m.incarnation.slice(0, 4)}`;
  switch (m.type) {
    case 'vote':
      return `${head}${m.preVote ? ' pre' : ''} last=${m.lastLogIndex}@${m.lastLogTerm}`;
    case 'voteResponse':
      return `${head}${m.preVote ? ' pre' : ''} ${m.granted ? 'granted' : 'rejected'}`;
    case 'append':
      return `${head} prev=${m.prevIndex}@${m.prevTerm} n=${m.entries.length} commit=${m.commitIndex}`;
    case 'appendResponse':
      return m.success ? `${head} ok match=${m.matchIndex}` : `${head} reject ${m.rejectedIndex} hint=${m.conflictIndex}@${m.conflictTerm}`;
    case 'heartbeat':
      return `${head} commit=${m.commitIndex} read=${m.readSeq}`;
    case 'heartbeatResponse':
      return `${head} read=${m.readSeq}`;
    case 'snapshot':
      return `${head} snap=${m.meta.index}@${m.meta.term} off=${m.offset}/${m.totalBytes}`;
    case 'snapshotResponse':
      return `${head} snap=${m.snapshotIndex} next=${m.nextOffset}${m.done ? ' done' : ''}`;
    case 'timeoutNow':
      return head;
    case 'readIndex':
      return `${head} ${m.requestId}`;
    case 'readIndexResponse':
      return `${head} ${m.requestId} index=${m.index}`;
    case 'staleIncarnation':
      return `${head} refused incarnation ${m.rejected}`;
    case 'incarnations':
      return `${head} ${m.peers.map((p) => `${p.id}=${p.incarnation.slice(0, 4)}`).join(',')}`;
  }
}

export function describeEntry(entry: Entry, describeData: (data: Uint8Array) => string): string {
  if (entry.kind === EntryKind.NOOP) return 'noop';
  if (entry.kind === EntryKind.CONFIG) return 'config';
  return describeData(entry.data);
}

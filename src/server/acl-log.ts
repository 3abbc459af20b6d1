// ACL LOG: this node's record of refused commands, keys, channels and authentications, as Redis
// 7.0 keeps it (acl.c's addACLLogEntry): newest first, an entry like one of the last ten (same
// reason, context, object and user, within 60 s) bumps that entry's count instead, at most
// acllog-max-len entries. Per node, as in Redis: it is never replicated.

import { bulkReply, integerReply, type Reply } from '../lib/reply.js';

export type DenialReason = 'command' | 'key' | 'channel' | 'auth';
export type DenialContext = 'toplevel' | 'multi' | 'lua';

interface LogEntry {
  count: number;
  readonly reason: DenialReason;
  readonly context: DenialContext;
  readonly object: string;
  readonly username: string;
  createdAtMs: number;
  clientInfo: string;
}

const GROUPING_MS_MAX = 60_000;
const SCAN_ENTRIES_MAX = 10;

export class AclLog {
  private entries: LogEntry[] = [];

  constructor(private readonly maxEntries: () => number) {}

  add(reason: DenialReason, context: DenialContext, object: string, username: string, nowMs: number, clientInfo: string): void {
    const limit = Math.min(SCAN_ENTRIES_MAX, this.entries.length);
    for (let i = 0; i < limit; i++) {
      const entry = this.entries[i]!;
      const similar = entry.reason === reason && entry.context === context && entry.object === object && entry.username === username;
      if (!similar || Math.abs(entry.createdAtMs - nowMs) > GROUPING_MS_MAX) continue;
      this.entries.splice(i, 1);
      this.entries.unshift(entry);
      entry.count++;
      entry.createdAtMs = nowMs;
      entry.clientInfo = clientInfo;
      return;
    }
    this.entries.unshift({ count: 1, reason, context, object, username, createdAtMs: nowMs, clientInfo });
    if (this.entries.length > this.maxEntries()) this.entries.length = Math.max(0, this.maxEntries());
  }

  reset(): void {
    this.entries = [];
  }

  /** ACL LOG [count]'s reply: the newest `count` entries. */
  reply(count: number, nowMs: number): Reply {
    return {
      type: 'array',
      items: this.entries.slice(0, Math.max(0, count)).map((e) => ({
        type: 'map',
        entries: [
          [bulkReply('count'), integerReply(e.count)],
          [bulkReply('reason'), bulkReply(e.reason)],
          [bulkReply('context'), bulkReply(e.context)],
          [bulkReply('object'), bulkReply(Buffer.from(e.object, 'latin1'))],
          [bulkReply('username'), bulkReply(Buffer.from(e.username, 'latin1'))],
          [bulkReply('age-seconds'), { type: 'double', value: (nowMs - e.createdAtMs) / 1000 }],
          [bulkReply('client-info'), bulkReply(e.clientInfo)],
        ] as const,
      })),
    };
  }
}

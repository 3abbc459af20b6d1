// What the ACL command's files share: the metadata and entry of one subcommand, and proposing one
// change of the replicated users (kv's `acl` command) for a client, answered once it applies.

import { errorReply, type Reply } from '../lib/reply.js';
import type { CommandMeta, TableEntry } from './command-table.js';
import type { Session } from './session.js';

export function aclMeta(name: string, arity: number, flags: readonly string[], summary: string, since = '6.0.0'): CommandMeta {
  return { name: `acl|${name}`, arity, flags: [...flags, 'noscript'], firstKey: 0, lastKey: 0, keyStep: 0, group: 'server', since, summary, complexity: 'O(N)' };
}

export function aclCommand(m: CommandMeta, handler: (session: Session, argv: readonly Buffer[]) => Reply | Promise<Reply>): TableEntry {
  return { kind: 'connection', meta: m, handler };
}


/** Proposes one `acl` change and answers with its applied reply. */
export async function proposeAcl(session: Session, args: readonly string[]): Promise<Reply> {
  const command = ['acl', ...args].map((a) => Buffer.from(a, 'latin1'));
  const replies = await session.write(() => ({ commands: [command], watches: [] }));
  return replies[0] ?? errorReply('ERR the ACL change was not applied');
}

const EMPTY_KEY = Buffer.alloc(0);

/**
 * Runs `read` on this node's users once they hold every ACL change committed before the call (a
 * ReadIndex barrier, as a linearizable read): a restarting node or a lagging follower answers AUTH
 * and ACL GETUSER with the cluster's users, not older ones. Without a leader, on the users as they are.
 */
export function afterCommitted<T>(session: Session, read: () => T | Promise<T>): Promise<T> {
  return Promise.resolve(session.ordered(async (): Promise<T> => {
    try {
      await session.context.backend.keyVersion(EMPTY_KEY, 'linearizable');
    } catch {
      // No leader to confirm with: this node's users as applied.
    }
    return read();
  }));
}

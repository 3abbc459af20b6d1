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

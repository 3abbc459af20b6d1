// The replicated half of the ACL command: what the server proposes once it has checked a request
// and turned clear passwords into digests. `ACL SETUSER name rules...`, `ACL DELUSER names...`,
// `ACL LOAD` and `ACL SEED` (count, then per user: name, rule count, rules) change the registry as
// each replica applies the entry. SEED loads only an ACL no entry has changed yet (an aclfile at
// bootstrap: the first seed to commit wins, later ones change nothing). The server answers the
// read-only subcommands itself; its `acl` command shadows this one for clients.

import { errorReply, type Reply } from '../../lib/reply.js';
import { arityError } from '../args.js';
import { textOf } from '../bytes.js';
import type { CommandSpec, ExecContext } from '../command-types.js';
import type { AclRegistry } from './registry.js';

const ERR_NO_ACL = errorReply('ERR this state keeps no ACL');

/** The users of a LOAD or SEED argument list: count | count × (name | ruleCount | rules). */
export function decodeUserList(args: readonly string[]): (readonly [string, readonly string[]])[] | undefined {
  const users: [string, string[]][] = [];
  let at = 0;
  const countText = args[at++];
  if (countText === undefined || !/^\d+$/.test(countText)) return undefined;
  const count = Number(args[0]);
  for (let i = 0; i < count; i++) {
    const name = args[at++];
    const rules = Number(args[at++]);
    if (name === undefined || !Number.isSafeInteger(rules) || rules < 0 || at + rules > args.length) return undefined;
    users.push([name, args.slice(at, at + rules)]);
    at += rules;
  }
  return at === args.length ? users : undefined;
}

export function encodeUserList(users: readonly (readonly [string, readonly string[]])[]): string[] {
  const out = [String(users.length)];
  for (const [name, rules] of users) out.push(name, String(rules.length), ...rules);
  return out;
}

function run(acl: AclRegistry, sub: string, args: readonly string[]): Reply {
  switch (sub) {
    case 'setuser':
      return args.length < 1 ? arityError('acl|setuser') : acl.setUser(args[0]!, args.slice(1));
    case 'deluser':
      return args.length < 1 ? arityError('acl|deluser') : acl.delUsers(args);
    case 'load':
    case 'seed': {
      const users = decodeUserList(args);
      if (users === undefined) return errorReply('ERR malformed ACL user list');
      if (sub === 'seed' && !acl.pristine) return { type: 'simple', value: 'OK' };
      return acl.load(users);
    }
  }
  return errorReply(`ERR unknown ACL change '${sub.slice(0, 32)}'`);
}

function aclHandler(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  if (ctx.acl === undefined) return ERR_NO_ACL;
  const args = argv.slice(2).map((a) => Buffer.from(a).toString('latin1'));
  return run(ctx.acl, textOf(argv[1]!).toLowerCase(), args);
}

export const ACL_COMMANDS: readonly CommandSpec[] = [
  { name: 'acl', arity: -2, flags: ['write', 'noscript'], firstKey: 0, lastKey: 0, keyStep: 0, group: 'server', since: '6.0.0',
    summary: 'Changes the replicated users (ACL SETUSER, DELUSER, LOAD)', complexity: 'O(N) where N is the number of rules', handler: aclHandler },
];

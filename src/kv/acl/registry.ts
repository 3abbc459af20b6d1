// The replicated ACL: every user by name, changed only by log entries (the kv `acl` command,
// acl-command.ts) so every replica holds the same users at the same index. Each user carries an
// incarnation: a user replaced by ACL LOAD (or deleted and made again) is another incarnation, and
// a client authenticated as the old one is disconnected, as Redis frees those clients. `generation`
// moves with every change, so a server notices a change without comparing users.

import { errorReply, integerReply, OK, type Reply } from '../../lib/reply.js';
import { hasSpaces, type RuleError } from './selector.js';
import { AclUser, CLEAR_PASSWORD_RULE } from './user.js';
import type { ScriptDenial } from './script-caller.js';

const RULE_ERRORS: Record<RuleError | typeof CLEAR_PASSWORD_RULE, string> = {
  ENOENT: 'Unknown command or category name in ACL',
  EINVAL: 'Syntax error',
  EEXIST: "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns",
  EISDIR: "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels",
  ENODEV: 'The password you are trying to remove from the user does not exist',
  EBADMSG: 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters',
  ECHILD: 'Allowing first-arg of a subcommand is not supported',
  ECLEAR: 'Clear-text passwords are turned into SHA-256 digests before they are replicated',
};

export const ERR_BAD_USERNAME = errorReply("ERR Usernames can't contain spaces or null characters");
export const ERR_DELETE_DEFAULT = errorReply("ERR The 'default' user cannot be removed");

/** Redis merges a selector given over several arguments ("(+get" "~k*)") into one; undefined when a parenthesis is left open (its index in `index`). */
export function mergeSelectorArguments(ops: readonly string[]): { readonly merged: string[] } | { readonly openAt: number } {
  const merged: string[] = [];
  let open: string | undefined;
  let openAt = -1;
  for (const [i, op] of ops.entries()) {
    if (open === undefined && op.startsWith('(') && !op.endsWith(')')) {
      open = op;
      openAt = i;
      continue;
    }
    if (open !== undefined) {
      open += ` ${op}`;
      if (op.endsWith(')')) {
        merged.push(open);
        open = undefined;
      }
      continue;
    }
    merged.push(op);
  }
  return open === undefined ? { merged } : { openAt };
}

/** Applies rules to a copy of `base` (or a new user): the copy, or the error reply naming the first rule refused. */
export function userWithRules(name: string, base: AclUser | undefined, ops: readonly string[]): AclUser | Reply {
  const merged = mergeSelectorArguments(ops);
  if ('openAt' in merged) return errorReply(`ERR Unmatched parenthesis in acl selector starting at '${oneLine(ops[merged.openAt]!)}'.`);
  const user = base?.clone(name) ?? new AclUser(name);
  for (const op of merged.merged) {
    const error = user.apply(op);
    if (error === CLEAR_PASSWORD_RULE) return errorReply(`ERR Error in ACL SETUSER: ${RULE_ERRORS.ECLEAR}`);
    if (error !== undefined) return errorReply(`ERR Error in ACL SETUSER modifier '${oneLine(op)}': ${RULE_ERRORS[error]}`);
  }
  return user;
}

/** The text of a rule error, for ACL LOAD's messages. */
export function ruleErrorText(error: RuleError | typeof CLEAR_PASSWORD_RULE): string {
  return RULE_ERRORS[error];
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]/g, ' ');
}

export interface RegisteredUser {
  readonly user: AclUser;
  readonly incarnation: number;
}

export class AclRegistry {
  private readonly users = new Map<string, RegisteredUser>();
  /** The next incarnation handed out (replicated: in the snapshot). */
  nextIncarnation = 1;
  /** Whether any entry has changed the ACL since the cluster began (an aclfile seeds only a pristine ACL). */
  pristine = true;
  /** Moves with every change; never replicated (a server compares it with the last it saw). */
  generation = 0;
  /** The ACL refusals a script met, by the script's reply (script-caller.ts); never replicated. */
  private readonly scriptDenials = new WeakMap<Reply, readonly ScriptDenial[]>();

  constructor() {
    this.users.set('default', { user: AclUser.defaultUser(), incarnation: 0 });
  }

  get(name: string): RegisteredUser | undefined {
    return this.users.get(name);
  }

  get size(): number {
    return this.users.size;
  }

  /** Users in Redis's order (its radix tree: byte order of the names). */
  sorted(): RegisteredUser[] {
    return [...this.users.values()].sort((a, b) => (a.user.name < b.user.name ? -1 : a.user.name > b.user.name ? 1 : 0));
  }

  /** ACL SETUSER: all the rules or none. */
  setUser(name: string, ops: readonly string[]): Reply {
    if (hasSpaces(name)) return ERR_BAD_USERNAME;
    const existing = this.users.get(name);
    const user = userWithRules(name, existing?.user, ops);
    if (!(user instanceof AclUser)) return user;
    this.users.set(name, { user, incarnation: existing?.incarnation ?? this.nextIncarnation++ });
    this.changed();
    return OK;
  }

  /** ACL DELUSER: how many of the names were users. */
  delUsers(names: readonly string[]): Reply {
    if (names.includes('default')) return ERR_DELETE_DEFAULT;
    let deleted = 0;
    for (const name of names) if (this.users.delete(name)) deleted++;
    if (deleted > 0) this.changed();
    return integerReply(deleted);
  }

  /**
   * ACL LOAD (already validated by the server that read the file): every user is replaced by a new
   * incarnation, except `default`, which keeps its own (Redis copies the new default into the old).
   */
  load(users: readonly (readonly [string, readonly string[]])[]): Reply {
    const fresh = new Map<string, RegisteredUser>();
    for (const [name, ops] of users) {
      if (hasSpaces(name) || fresh.has(name)) return errorReply(`ERR ACL LOAD refused: bad or repeated user '${oneLine(name)}'`);
      const user = userWithRules(name, undefined, ops);
      if (!(user instanceof AclUser)) return user;
      fresh.set(name, { user, incarnation: name === 'default' ? 0 : this.nextIncarnation++ });
    }
    if (!fresh.has('default')) fresh.set('default', { user: AclUser.defaultUser(), incarnation: 0 });
    this.users.clear();
    for (const [name, entry] of fresh) this.users.set(name, entry);
    this.changed();
    return OK;
  }

  /** Restores one user from a snapshot (describe.ts's text as rules). */
  restore(name: string, incarnation: number, ops: readonly string[]): Reply | undefined {
    const user = userWithRules(name, undefined, ops);
    if (!(user instanceof AclUser)) return user;
    this.users.set(name, { user, incarnation });
    return undefined;
  }

  /** Keeps the refusals a script met under its reply, for the server that hands the reply on. */
  noteDenials(reply: Reply, denials: readonly ScriptDenial[]): void {
    this.scriptDenials.set(reply, denials);
  }

  /** The refusals kept under a script's reply (once), if any. */
  takeDenials(reply: Reply): readonly ScriptDenial[] | undefined {
    const denials = this.scriptDenials.get(reply);
    if (denials !== undefined) this.scriptDenials.delete(reply);
    return denials;
  }

  private changed(): void {
    this.pristine = false;
    this.generation++;
  }
}

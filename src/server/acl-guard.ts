// ACL enforcement before dispatch, as Redis 7.0's ACLCheckAllUserCommandPerm: a command runs when
// one of the user's selectors allows the command (its bit, or an allowed first argument), every key
// it names with the read/write permission the key needs, and every channel it publishes or
// subscribes to. Otherwise the client gets -NOPERM and this node's ACL LOG an entry. The users are
// the applied state's (replicated); `requirepass` stays this node's password for `default`.

import { errorReply, type Reply } from '../lib/reply.js';
import { globMatch } from '../kv/glob.js';
import { CATALOG, type CatalogCommand } from '../kv/acl/catalog.js';
import { deniedObject, latin1, unrestricted, userDenial, type Denial } from '../kv/acl/permissions.js';
import { AclRegistry, type RegisteredUser } from '../kv/acl/registry.js';
import { isScriptCommand, withCaller, type ScriptDenial } from '../kv/acl/script-caller.js';
import type { AclUser } from '../kv/acl/user.js';
import { AclLog, type DenialContext, type DenialReason } from './acl-log.js';
import { passwordDigest, sameSecret } from './acl-passwords.js';
import type { TableEntry } from './command-table.js';
import type { QueuedCommand } from './queued-commands.js';

/** What the guard needs from a session. */
export interface AclClient {
  user: string;
  userIncarnation: number;
  authenticated: boolean;
  readonly inMulti: boolean;
}

export class AclGuard {
  readonly log: AclLog;
  private readonly fallback = new AclRegistry();
  private readonly commands = new WeakMap<TableEntry, CatalogCommand | null>();
  private readonly open = new WeakMap<AclUser, boolean>();

  constructor(
    private readonly registryOf: (() => AclRegistry) | undefined,
    private readonly requirepass: () => string | undefined,
    private readonly describeClient: (client: AclClient) => string,
    private readonly nowMs: () => number,
    logEntriesMax: () => number,
  ) {
    this.log = new AclLog(logEntriesMax);
  }

  get registry(): AclRegistry {
    return this.registryOf?.() ?? this.fallback;
  }

  /** Whether a new connection is `default` without AUTH: default on, nopass, and no requirepass here. */
  startsAuthenticated(): boolean {
    const user = this.registry.get('default')?.user;
    return user !== undefined && user.enabled && user.nopass && this.requirepass() === undefined;
  }

  /** Whether `default` needs a password (AUTH <password> is an error otherwise). */
  defaultHasPassword(): boolean {
    const user = this.registry.get('default')?.user;
    return this.requirepass() !== undefined || user === undefined || !user.nopass;
  }

  /** The user these credentials name, if they are right (ACLCheckUserCredentials); a failure goes to the log. */
  authenticate(client: AclClient, name: string, password: Uint8Array, commandName: string, logFailure = true): RegisteredUser | undefined {
    const registered = this.registry.get(name);
    const user = registered?.user;
    const required = name === 'default' ? this.requirepass() : undefined;
    let ok = false;
    if (user !== undefined && user.enabled) {
      if (required !== undefined && sameSecret(password, required)) ok = true;
      else if (user.nopass && required === undefined) ok = true;
      else {
        const digest = passwordDigest(password);
        ok = user.passwords.some((p) => sameSecret(p, digest));
      }
    }
    if (ok) return registered;
    if (logFailure) this.log.add('auth', client.inMulti ? 'multi' : 'toplevel', commandName, name, this.nowMs(), this.describeClient(client));
    return undefined;
  }

  /** The catalog's command for a table entry; a kv command Redis splits into subcommands (OBJECT ENCODING) as its subcommand. */
  catalogCommand(entry: TableEntry, argv: readonly Uint8Array[]): CatalogCommand | undefined {
    let command = this.commands.get(entry);
    if (command === undefined) {
      command = CATALOG.lookup(entry.meta.name) ?? null;
      this.commands.set(entry, command);
    }
    if (command === null) return undefined;
    if (command.subcommands.length === 0 || entry.kind !== 'data' || argv[1] === undefined) return command;
    return CATALOG.lookup(`${command.name}|${latin1(argv[1])}`) ?? command;
  }

  /** The client's user now, or undefined when it was deleted or replaced since it authenticated. */
  userOf(client: AclClient): AclUser | undefined {
    const registered = this.registry.get(client.user);
    return registered === undefined || registered.incarnation !== client.userIncarnation ? undefined : registered.user;
  }

  /** Undefined when the client may run argv; otherwise the reply (-NOPERM), logged. */
  refuses(client: AclClient, entry: TableEntry, argv: readonly Uint8Array[], context: DenialContext = client.inMulti ? 'multi' : 'toplevel'): Reply | undefined {
    const found = this.denialOf(client, entry, argv);
    if (found === undefined || !('denial' in found)) return found;
    this.log.add(found.denial.reason, context, found.object, client.user, this.nowMs(), this.describeClient(client));
    return noperm(found.denial, found.name);
  }

  /** Why the client may not run argv (undefined when it may): a denial and what ACL LOG names, or NOAUTH for a user gone. */
  private denialOf(client: AclClient, entry: TableEntry, argv: readonly Uint8Array[]): { denial: Denial; name: string; object: string } | Reply | undefined {
    const user = this.userOf(client);
    if (user === undefined) return errorReply('NOAUTH Authentication required.');
    let open = this.open.get(user);
    if (open === undefined) this.open.set(user, (open = unrestricted(user)));
    if (open) return undefined;
    const command = this.catalogCommand(entry, argv);
    const denial = userDenial(user, command, entry.meta.flags.includes('noauth'), argv);
    if (denial === undefined) return undefined;
    const name = command?.name ?? entry.meta.name;
    return { denial, name, object: deniedObject(denial, name, argv) };
  }

  /**
   * EXEC's second look at its queued commands (Redis's execCommand): another connection may have
   * changed the user's rules since they were queued. The commands that may still run (scripts
   * wrapped with their caller, asCaller), and when some may not, each one's refusal in its place.
   */
  recheckQueued(client: AclClient, queued: readonly QueuedCommand[]): { commands: QueuedCommand[]; refusals: (ExecRefusal | undefined)[] | undefined } {
    let refusals: (ExecRefusal | undefined)[] | undefined;
    const commands: QueuedCommand[] = [];
    for (const [i, { entry, argv }] of queued.entries()) {
      const found = this.denialOf(client, entry, argv);
      if (found === undefined) {
        commands.push({ entry, argv: this.asCaller(client, entry.meta.name, argv) });
        continue;
      }
      refusals ??= new Array<ExecRefusal | undefined>(queued.length).fill(undefined);
      refusals[i] = 'denial' in found ? { reply: execNoperm(found.denial), denial: { reason: found.denial.reason, object: found.object } } : { reply: found };
    }
    return { commands, refusals };
  }

  /** A script command's argv wrapped with the client's user (kv checks the script's commands against it); any other argv as it is. */
  asCaller<T extends Uint8Array>(client: AclClient, name: string, argv: readonly T[]): readonly (T | Buffer)[] {
    return isScriptCommand(name) ? withCaller({ user: client.user, incarnation: client.userIncarnation }, argv) : argv;
  }

  /** A script's reply, once the refusals kv met running its commands are in this node's ACL LOG (context lua). */
  afterScript(client: AclClient, reply: Reply | Promise<Reply>): Reply | Promise<Reply> {
    if (reply instanceof Promise) return reply.then((settled) => this.afterScript(client, settled));
    this.logScriptDenials(client, reply);
    return reply;
  }

  private logScriptDenials(client: AclClient, reply: Reply): void {
    for (const denial of this.registry.takeDenials(reply) ?? []) this.logScript(client, denial, 'lua');
  }

  private logScript(client: AclClient, denial: ScriptDenial, context: DenialContext): void {
    this.log.add(denial.reason, context, denial.object, client.user, this.nowMs(), this.describeClient(client));
  }

  /**
   * EXEC's reply with the commands refused at EXEC answered in their places, once every refusal —
   * at EXEC (context multi) or inside a script (lua) — is in ACL LOG, in the order Redis meets them.
   * A transaction that did not run (WATCH, an error) logs nothing, as Redis checks WATCH first.
   */
  afterExec(client: AclClient, reply: Reply | Promise<Reply>, refusals: readonly (ExecRefusal | undefined)[] | undefined): Reply | Promise<Reply> {
    if (reply instanceof Promise) return reply.then((settled) => this.afterExec(client, settled, refusals));
    if (reply.type !== 'array') return reply;
    if (refusals === undefined) {
      for (const item of reply.items) this.logScriptDenials(client, item);
      return reply;
    }
    let next = 0;
    const items = refusals.map((refused): Reply => {
      if (refused === undefined) {
        const item = reply.items[next++]!;
        this.logScriptDenials(client, item);
        return item;
      }
      if (refused.denial !== undefined) this.logScript(client, refused.denial, 'multi');
      return refused.reply;
    });
    return { type: 'array', items };
  }
}

/** A queued command refused at EXEC: its reply, and what ACL LOG records once the transaction runs (none for a user gone). */
export interface ExecRefusal {
  readonly reply: Reply;
  readonly denial?: ScriptDenial;
}

/** What a subscriber's subscriptions look like to the ACL (pubsub-client.ts's ClientPubsub). */
export interface Subscriptions {
  list(kind: 'channel' | 'pattern' | 'shard'): ReadonlySet<string>;
}

/** Whether the user may still hear every channel (glob-matched) and pattern (literally) subscribed to. */
export function keepsSubscriptions(user: AclUser, subscriptions: Subscriptions): boolean {
  if (user.selectors.some((s) => s.allChannels)) return true;
  const allowed = user.selectors.flatMap((s) => s.channels);
  const matches = (name: string, literal: boolean): boolean =>
    allowed.some((p) => (literal ? p === name : globMatch(Buffer.from(p, 'latin1'), Buffer.from(name, 'latin1'))));
  for (const kind of ['channel', 'shard'] as const) for (const name of subscriptions.list(kind)) if (!matches(name, false)) return false;
  for (const name of subscriptions.list('pattern')) if (!matches(name, true)) return false;
  return true;
}

const EXEC_REASONS: Record<Denial['reason'], string> = {
  command: 'no permission to execute the command or subcommand',
  key: 'no permission to touch the specified keys',
  channel: 'no permission to access one of the channels used as arguments',
};

/** A queued command refused at EXEC, in Redis 7.0's words. */
function execNoperm(denial: Denial): Reply {
  return errorReply(`NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: ${EXEC_REASONS[denial.reason]}`);
}

export function noperm(denial: Denial, name: string): Reply {
  if (denial.reason === 'command') return errorReply(`NOPERM this user has no permissions to run the '${name}' command`);
  return errorReply(`NOPERM this user has no permissions to access one of the ${denial.reason === 'key' ? 'keys' : 'channels'} used as arguments`);
}

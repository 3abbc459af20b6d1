// ACL enforcement before dispatch, as Redis 7.0's ACLCheckAllUserCommandPerm: a command runs when
// one of the user's selectors allows the command (its bit, or an allowed first argument), every key
// it names with the read/write permission the key needs, and every channel it publishes or
// subscribes to. Otherwise the client gets -NOPERM and this node's ACL LOG an entry. The users are
// the applied state's (replicated); `requirepass` stays this node's password for `default`.

import { errorReply, type Reply } from '../lib/reply.js';
import { globMatch } from '../kv/glob.js';
import { CATALOG, type CatalogCommand } from '../kv/acl/catalog.js';
import { AclRegistry, type RegisteredUser } from '../kv/acl/registry.js';
import type { Selector } from '../kv/acl/selector.js';
import type { AclUser } from '../kv/acl/user.js';
import { commandKeys } from './acl-keys.js';
import { AclLog, type DenialContext, type DenialReason } from './acl-log.js';
import { passwordDigest, sameSecret } from './acl-passwords.js';
import type { TableEntry } from './command-table.js';

export interface Denial {
  readonly reason: Exclude<DenialReason, 'auth'>;
  /** The argument that was refused (a key or channel), 0 for the command itself. */
  readonly index: number;
}

/** What the guard needs from a session. */
export interface AclClient {
  user: string;
  userIncarnation: number;
  authenticated: boolean;
  readonly inMulti: boolean;
}

const RANK: Record<Denial['reason'], number> = { command: 1, key: 2, channel: 4 };
const PUBLISHERS = new Set(['publish', 'spublish']);
const SUBSCRIBERS = new Set(['subscribe', 'ssubscribe', 'psubscribe']);

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}

function commandAllowed(selector: Selector, command: CatalogCommand | undefined, argv: readonly Uint8Array[]): boolean {
  if (selector.allCommands) return true;
  if (command === undefined) return selector.future;
  if (selector.bits[command.id] === 1) return true;
  const firstArgs = selector.firstArgs.get(command.id);
  const arg = argv[command.parent === undefined ? 1 : 2];
  if (firstArgs === undefined || arg === undefined) return false;
  const given = latin1(arg).toLowerCase();
  return firstArgs.some((allowed) => allowed.toLowerCase() === given);
}

function keyAllowed(selector: Selector, key: Uint8Array, needs: number): boolean {
  return selector.keys.some((p) => (p.flags & needs) === needs && globMatch(Buffer.from(p.pattern, 'latin1'), key));
}

function channelAllowed(selector: Selector, channel: Uint8Array, literal: boolean): boolean {
  const text = latin1(channel);
  return selector.channels.some((p) => (literal ? p === text : globMatch(Buffer.from(p, 'latin1'), channel)));
}

function channelDenial(selector: Selector, name: string, argv: readonly Uint8Array[]): number | undefined {
  if (selector.allChannels) return undefined;
  if (PUBLISHERS.has(name)) return argv[1] !== undefined && !channelAllowed(selector, argv[1], false) ? 1 : undefined;
  if (!SUBSCRIBERS.has(name)) return undefined;
  for (let i = 1; i < argv.length; i++) if (!channelAllowed(selector, argv[i]!, name === 'psubscribe')) return i;
  return undefined;
}

/** One selector's verdict (ACLSelectorCheckCmd). */
function selectorDenial(selector: Selector, command: CatalogCommand | undefined, noAuth: boolean, argv: readonly Uint8Array[]): Denial | undefined {
  if (!noAuth && !commandAllowed(selector, command, argv)) return { reason: 'command', index: 0 };
  if (!selector.allKeys && command !== undefined) {
    for (const key of commandKeys(command, argv)) if (!keyAllowed(selector, argv[key.index]!, key.needs)) return { reason: 'key', index: key.index };
  }
  const channel = command === undefined ? undefined : channelDenial(selector, command.name, argv);
  return channel === undefined ? undefined : { reason: 'channel', index: channel };
}

/** Whether the user may run argv (ACLCheckAllUserCommandPerm): undefined, or the most telling denial. */
export function userDenial(user: AclUser, command: CatalogCommand | undefined, noAuth: boolean, argv: readonly Uint8Array[]): Denial | undefined {
  let relevant: Denial = { reason: 'command', index: 0 };
  for (const selector of user.selectors) {
    const denial = selectorDenial(selector, command, noAuth, argv);
    if (denial === undefined) return undefined;
    if (RANK[denial.reason] > RANK[relevant.reason] || (denial.reason === relevant.reason && denial.index > relevant.index)) relevant = denial;
  }
  return relevant;
}

function unrestricted(user: AclUser): boolean {
  const root = user.root;
  return user.selectors.length === 1 && root.allCommands && root.allKeys && root.allChannels;
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
    const user = this.userOf(client);
    if (user === undefined) return errorReply('NOAUTH Authentication required.');
    let open = this.open.get(user);
    if (open === undefined) this.open.set(user, (open = unrestricted(user)));
    if (open) return undefined;
    const command = this.catalogCommand(entry, argv);
    const denial = userDenial(user, command, entry.meta.flags.includes('noauth'), argv);
    if (denial === undefined) return undefined;
    const name = command?.name ?? entry.meta.name;
    const object = denial.reason === 'command' ? name : latin1(argv[denial.index]!);
    this.log.add(denial.reason, context, object, client.user, this.nowMs(), this.describeClient(client));
    return noperm(denial, name);
  }
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

export function noperm(denial: Denial, name: string): Reply {
  if (denial.reason === 'command') return errorReply(`NOPERM this user has no permissions to run the '${name}' command`);
  return errorReply(`NOPERM this user has no permissions to access one of the ${denial.reason === 'key' ? 'keys' : 'channels'} used as arguments`);
}

// Whether a user may run a command, as Redis 7.0's ACLCheckAllUserCommandPerm: one of the user's
// selectors must allow the command (its bit, or an allowed first argument), every key it names
// with the read/write permission the key needs (command-keys.ts), and every channel it publishes or
// subscribes to. Pure: the server checks clients' commands with it before dispatch, and kv checks a
// script's redis.call with it at apply time, against the same replicated users on every replica.

import { Buffer } from 'node:buffer';
import { globMatch } from '../glob.js';
import { CATALOG, type CatalogCommand } from './catalog.js';
import { commandKeys } from './command-keys.js';
import type { Selector } from './selector.js';
import type { AclUser } from './user.js';

export type DenialReason = 'command' | 'key' | 'channel';

export interface Denial {
  readonly reason: DenialReason;
  /** The argument that was refused (a key or channel), 0 for the command itself. */
  readonly index: number;
}

const RANK: Record<DenialReason, number> = { command: 1, key: 2, channel: 4 };
const PUBLISHERS = new Set(['publish', 'spublish']);
const SUBSCRIBERS = new Set(['subscribe', 'ssubscribe', 'psubscribe']);

export function latin1(bytes: Uint8Array): string {
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

/** Whether the user may run anything on any key and channel (Redis's fast path): no check is needed. */
export function unrestricted(user: AclUser): boolean {
  const root = user.root;
  return user.selectors.length === 1 && root.allCommands && root.allKeys && root.allChannels;
}

/** The catalog's command for argv as a script names it (lookupCommand: a container's subcommand when it has one). */
export function catalogCommandOf(argv: readonly Uint8Array[]): CatalogCommand | undefined {
  const command = CATALOG.lookup(latin1(argv[0]!));
  if (command === undefined || command.subcommands.length === 0 || argv[1] === undefined) return command;
  return CATALOG.lookup(`${command.name}|${latin1(argv[1])}`) ?? command;
}

/** What ACL LOG names for a denial: the command's full name, or the refused key or channel. */
export function deniedObject(denial: Denial, name: string, argv: readonly Uint8Array[]): string {
  return denial.reason === 'command' ? name : latin1(argv[denial.index]!);
}

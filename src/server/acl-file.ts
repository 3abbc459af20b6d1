// The aclfile: ACL LOAD reads it on the node that is asked, checks every line as Redis's
// ACLLoadFromFile does (all or nothing, the same error texts), turns clear passwords into digests
// and proposes the whole file as one `acl load` entry, so every node replaces its users at the same
// index. ACL SAVE writes this node's applied users (digests only) through a temp file and a rename.
// A new cluster's users are seeded from it once (`acl seed`: only while no entry changed the ACL).

import { readFile, rename, writeFile, unlink } from 'node:fs/promises';
import { errorReply, OK, type Reply } from '../lib/reply.js';
import { errorMessage } from '../lib/errors.js';
import { encodeUserList } from '../kv/acl/acl-command.js';
import { describeUser } from '../kv/acl/describe.js';
import { mergeSelectorArguments, ruleErrorText } from '../kv/acl/registry.js';
import { hasSpaces } from '../kv/acl/selector.js';
import { AclUser } from '../kv/acl/user.js';
import { aclCommand, aclMeta, afterCommitted, proposeAcl } from './acl-shared.js';
import { digestRule } from './acl-passwords.js';
import type { AclRegistry } from '../kv/acl/registry.js';
import type { Session } from './session.js';

const ERR_NO_FILE = errorReply('ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.');

export type FileUsers = (readonly [string, readonly string[]])[];

/** One line's user, or the error text Redis gives for it. */
function parseLine(fileName: string, lineNumber: number, line: string, seen: Set<string>): readonly [string, string[]] | string {
  const args = line.split(' ');
  if (args[0] !== 'user' || args.length < 2) return `${fileName}:${lineNumber} should start with user keyword followed by the username. `;
  const name = args[1]!;
  if (hasSpaces(name)) return `'${fileName}:${lineNumber}: username '${name}' contains invalid characters. `;
  if (seen.has(name)) return `WARNING: Duplicate user '${name}' found on line ${lineNumber}. `;
  seen.add(name);
  const merged = mergeSelectorArguments(args.slice(2).map((a) => digestRule(Buffer.from(a, 'latin1'))));
  if ('openAt' in merged) return `${fileName}:${lineNumber}: Unmatched parenthesis in selector definition.`;
  const user = new AclUser(name);
  let errors = '';
  for (const rule of merged.merged) {
    const error = user.apply(rule.replace(/^[\t\r\n]+|[\t\r\n]+$/g, ''));
    if (error !== undefined) errors += `${fileName}:${lineNumber}: ${ruleErrorText(error)}. `;
  }
  return errors === '' ? [name, merged.merged] : errors;
}

/** The users of an aclfile's text, or Redis's error text naming every bad line. */
export function parseAclFile(fileName: string, content: string): FileUsers | string {
  const users: FileUsers = [];
  const seen = new Set<string>();
  let errors = '';
  for (const [i, raw] of content.split('\n').entries()) {
    const line = raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
    if (line === '') continue;
    const parsed = parseLine(fileName, i + 1, line, seen);
    if (typeof parsed === 'string') errors += parsed;
    else users.push(parsed);
  }
  return errors === '' ? users : `${errors}WARNING: ACL errors detected, no change to the previously active ACL rules was performed`;
}

/** The file's users as an `acl load`/`acl seed` argument list, or the error reply. */
export async function readAclFile(fileName: string): Promise<string[] | Reply> {
  let content: string;
  try {
    content = await readFile(fileName, 'latin1');
  } catch (error) {
    return errorReply(`ERR Error loading ACLs, opening file '${fileName}': ${errorMessage(error)}`);
  }
  const users = parseAclFile(fileName, content);
  return typeof users === 'string' ? errorReply(`ERR ${users}`) : encodeUserList(users);
}

/** The file ACL SAVE writes: one `user <name> <rules>` line per user, in name order. */
export function aclFileText(registry: AclRegistry): string {
  return registry.sorted().map(({ user }) => `user ${user.name} ${describeUser(user)}\n`).join('');
}

async function save(fileName: string, registry: AclRegistry): Promise<Reply> {
  const temp = `${fileName}.tmp-${process.pid}-${Date.now()}`;
  try {
    await writeFile(temp, aclFileText(registry), { encoding: 'latin1', mode: 0o600 });
    await rename(temp, fileName);
    return OK;
  } catch {
    await unlink(temp).catch(() => undefined);
    return errorReply('ERR There was an error trying to save the ACLs. Please check the server logs for more information');
  }
}

async function load(session: Session, fileName: string): Promise<Reply> {
  const users = await readAclFile(fileName);
  return Array.isArray(users) ? proposeAcl(session, ['load', ...users]) : users;
}

export const aclFileCommands = [
  aclCommand(aclMeta('load', 2, ['admin', 'loading', 'stale'], 'Reloads the rules from the configured ACL file'), (session) => {
    const fileName = session.context.settings.aclfile;
    return fileName === undefined ? ERR_NO_FILE : load(session, fileName);
  }),
  aclCommand(aclMeta('save', 2, ['admin', 'loading', 'stale'], 'Saves the effective ACL rules in the configured ACL file'), (session) => {
    const fileName = session.context.settings.aclfile;
    return fileName === undefined ? ERR_NO_FILE : afterCommitted(session, () => save(fileName, session.context.acl.registry));
  }),
];

/** How often, and how far apart, a node tries to seed the users before giving up (no leader yet). */
const SEED_ATTEMPTS_MAX = 30;
const SEED_RETRY_MS = 1_000;

/**
 * Seeds a new cluster's users from the aclfile: proposes `acl seed`, which loads the file only while
 * no entry has changed the ACL (the first seed to commit wins; a later one, or one after any ACL
 * change, changes nothing). Retried while the cluster has no leader. Never throws.
 */
export async function seedAclFile(write: (args: readonly string[]) => Promise<Reply>, fileName: string, pristine: () => boolean, report: (text: string) => void): Promise<void> {
  const users = await readAclFile(fileName);
  if (!Array.isArray(users)) {
    report(`aclfile ${fileName} not loaded: ${users.type === 'error' ? users.message : 'unreadable'}`);
    return;
  }
  for (let attempt = 0; attempt < SEED_ATTEMPTS_MAX && pristine(); attempt++) {
    try {
      const reply = await write(['seed', ...users]);
      if (reply.type === 'error') report(`aclfile ${fileName} not loaded: ${reply.message}`);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, SEED_RETRY_MS));
    }
  }
}

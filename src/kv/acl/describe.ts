// A user's rules as text, as Redis 7.0's ACLDescribeUser writes them for ACL LIST, ACL SAVE and
// this layer's snapshot: flags, password digests, then each selector's keys, channels and command
// rules. The command rules are rebuilt from the bitmap the way acl.c does: start from +@all or
// -@all (the future-commands bit), add the best-fitting categories one at a time, then the single
// commands (and first-args) that still differ. Re-applying the text gives the same bitmap.

import { assert } from '../../lib/assert.js';
import { CATALOG, CATEGORIES, type CatalogCommand } from './catalog.js';
import { READ, WRITE, Selector, type KeyPattern } from './selector.js';
import type { AclUser } from './user.js';

function countCategory(bits: Uint8Array, category: string): { on: number; off: number } {
  let on = 0;
  let off = 0;
  for (const command of CATALOG.category(category) ?? []) {
    if (bits[command.id] === 1) on++;
    else off++;
  }
  return { on, off };
}

/** The best category to apply next (ACLDescribeSelectorCommandRules' loop), or undefined. */
function bestCategory(temp: Selector, applied: Set<string>, additive: boolean): string | undefined {
  let best: string | undefined;
  let minDiff = Number.MAX_SAFE_INTEGER;
  let maxSame = 0;
  for (const category of CATEGORIES) {
    if (applied.has(category)) continue;
    const { on, off } = countCategory(temp.bits, category);
    const diff = additive ? off : on;
    const same = additive ? on : off;
    if (same > diff && (diff < minDiff || (diff === minDiff && same > maxSame))) {
      best = category;
      minDiff = diff;
      maxSame = same;
    }
  }
  return best;
}

function singleCommands(selector: Selector, fake: Selector, commands: readonly CatalogCommand[], rules: string[]): void {
  for (const command of commands) {
    const userBit = selector.bits[command.id] === 1;
    if (userBit !== (fake.bits[command.id] === 1)) {
      rules.push(`${userBit ? '+' : '-'}${command.name}`);
      fake.changePerm(command, userBit);
    }
    if (command.subcommands.length > 0) singleCommands(selector, fake, command.subcommands, rules);
    const firstArgs = selector.firstArgs.get(command.id);
    if (!userBit && firstArgs !== undefined) for (const arg of firstArgs) rules.push(`+${command.name}|${arg}`);
  }
}

/** "+@all -@dangerous", "-@all +get": the rules that rebuild the selector's command bitmap. */
export function describeCommandRules(selector: Selector): string {
  const additive = !selector.future;
  const rules = [additive ? '-@all' : '+@all'];
  const fake = new Selector();
  fake.setAll(!additive);
  const temp = new Selector(selector.bits.slice());
  const applied = new Set<string>();
  for (let category = bestCategory(temp, applied, additive); category !== undefined; category = bestCategory(temp, applied, additive)) {
    const commands = CATALOG.category(category) ?? [];
    fake.changeCategory(commands, additive);
    temp.changeCategory(commands, !additive);
    rules.push(`${additive ? '+' : '-'}@${category}`);
    applied.add(category);
  }
  singleCommands(selector, fake, CATALOG.topLevel, rules);
  for (let id = 0; id < selector.bits.length; id++) assert(fake.bits[id] === selector.bits[id], 'described rules rebuild the bitmap');
  return rules.join(' ');
}

export function keyPatternText(key: KeyPattern): string {
  const prefix = key.flags === (READ | WRITE) ? '~' : key.flags === READ ? '%R~' : key.flags === WRITE ? '%W~' : '%~';
  return prefix + key.pattern;
}

/** GETUSER's "keys": "~*" or the patterns joined by spaces. */
export function keysText(selector: Selector): string {
  return selector.allKeys ? '~*' : selector.keys.map(keyPatternText).join(' ');
}

/** GETUSER's "channels": "&*" or the patterns joined by spaces. */
export function channelsText(selector: Selector): string {
  return selector.allChannels ? '&*' : selector.channels.map((c) => `&${c}`).join(' ');
}

function describeSelector(selector: Selector): string {
  let text = selector.allKeys ? '~* ' : selector.keys.map((k) => `${keyPatternText(k)} `).join('');
  text += selector.allChannels ? '&* ' : 'resetchannels ' + selector.channels.map((c) => `&${c} `).join('');
  return text + describeCommandRules(selector);
}

/** The user's flags in Redis's order (on, off, nopass, skip-sanitize-payload, sanitize-payload). */
export function userFlags(user: AclUser): string[] {
  const flags = [user.enabled ? 'on' : 'off'];
  if (user.nopass) flags.push('nopass');
  if (user.sanitize === 'skip') flags.push('skip-sanitize-payload');
  if (user.sanitize === 'sanitize') flags.push('sanitize-payload');
  return flags;
}

/** ACL LIST's text after "user <name> ". */
export function describeUser(user: AclUser): string {
  let text = userFlags(user).map((f) => `${f} `).join('') + user.passwords.map((p) => `#${p} `).join('');
  for (const [i, selector] of user.selectors.entries()) text += i === 0 ? describeSelector(selector) : ` (${describeSelector(selector)})`;
  return text;
}

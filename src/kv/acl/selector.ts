// One ACL selector as Redis 7.0 keeps it (acl.c's aclSelector): a bitmap of allowed commands
// (catalog ids) with the "future commands" bit that only +@all sets, the ALLCOMMANDS flag any
// removal clears, first-args allowed for otherwise blocked commands (+select|0), key patterns with
// read/write permissions (~, %R~, %W~), and channel patterns (&). A user's root selector holds the
// rules given outside parentheses; each "(...)" adds another.

import { CATALOG, type CatalogCommand } from './catalog.js';

/** Why a rule was refused: the errno Redis's ACLSetSelector/ACLSetUser set (texts in rules.ts). */
export type RuleError = 'ENOENT' | 'EINVAL' | 'EEXIST' | 'EISDIR' | 'ENODEV' | 'EBADMSG' | 'ECHILD';

export const READ = 1;
export const WRITE = 2;

export interface KeyPattern {
  readonly pattern: string;
  /** READ | WRITE. */
  flags: number;
}

export class Selector {
  readonly bits: Uint8Array;
  /** The reserved bit +@all (allcommands) sets: the selector may run commands the catalog does not know. */
  future = false;
  /** SELECTOR_FLAG_ALLCOMMANDS: set by +@all, cleared by any command removed. */
  allCommands = false;
  allKeys = false;
  allChannels = false;
  readonly keys: KeyPattern[] = [];
  readonly channels: string[] = [];
  /** Allowed first arguments per command id, lowercase-compared as Redis's strcasecmp does. */
  readonly firstArgs = new Map<number, string[]>();

  constructor(bits?: Uint8Array) {
    this.bits = bits ?? new Uint8Array(CATALOG.size);
  }

  clone(): Selector {
    const copy = new Selector(this.bits.slice());
    copy.future = this.future;
    copy.allCommands = this.allCommands;
    copy.allKeys = this.allKeys;
    copy.allChannels = this.allChannels;
    for (const key of this.keys) copy.keys.push({ ...key });
    copy.channels.push(...this.channels);
    for (const [id, args] of this.firstArgs) copy.firstArgs.set(id, [...args]);
    return copy;
  }

  setBit(id: number, allow: boolean): void {
    this.bits[id] = allow ? 1 : 0;
    if (!allow) this.allCommands = false;
  }

  /** ACLChangeSelectorPerm: the command, its first-args reset, and every subcommand of it. */
  changePerm(command: CatalogCommand, allow: boolean): void {
    this.setBit(command.id, allow);
    this.firstArgs.delete(command.id);
    for (const sub of command.subcommands) this.setBit(sub.id, allow);
  }

  /** Every command in the category, walked as Redis walks its command table. */
  changeCategory(commands: readonly CatalogCommand[], allow: boolean): void {
    for (const command of commands) this.changePerm(command, allow);
  }

  setAll(allow: boolean): void {
    this.bits.fill(allow ? 1 : 0);
    this.future = allow;
    this.allCommands = allow;
    this.firstArgs.clear();
  }

  /** Applies one selector rule (Redis's ACLSetSelector); a RuleError when refused. */
  apply(op: string): RuleError | undefined {
    const lower = op.toLowerCase();
    switch (lower) {
      case 'allkeys': case '~*': this.allKeys = true; this.keys.length = 0; return undefined;
      case 'resetkeys': this.allKeys = false; this.keys.length = 0; return undefined;
      case 'allchannels': case '&*': this.allChannels = true; this.channels.length = 0; return undefined;
      case 'resetchannels': this.allChannels = false; this.channels.length = 0; return undefined;
      case 'allcommands': case '+@all': this.setAll(true); return undefined;
      case 'nocommands': case '-@all': this.setAll(false); return undefined;
    }
    const first = op[0];
    if (first === '~' || first === '%') return this.addKeyPattern(op);
    if (first === '&') return this.addChannel(op);
    if ((first === '+' || first === '-') && op[1] === '@') {
      const commands = CATALOG.category(op.slice(2));
      if (commands === undefined) return 'ENOENT';
      this.changeCategory(commands, first === '+');
      return undefined;
    }
    if (first === '+') return this.allowCommand(op.slice(1));
    if (first === '-') {
      const command = CATALOG.lookup(op.slice(1));
      if (command === undefined) return 'ENOENT';
      this.changePerm(command, false);
      return undefined;
    }
    return 'EINVAL';
  }

  private allowCommand(name: string): RuleError | undefined {
    const bar = name.lastIndexOf('|');
    if (bar === -1) {
      const command = CATALOG.lookup(name);
      if (command === undefined) return 'ENOENT';
      this.changePerm(command, true);
      return undefined;
    }
    const command = CATALOG.lookup(name.slice(0, bar));
    const sub = name.slice(bar + 1);
    if (command === undefined) return 'ENOENT';
    if (command.parent !== undefined) return 'ECHILD';
    if (sub.length === 0) return 'EINVAL';
    if (command.subcommands.length > 0) {
      const subcommand = CATALOG.lookup(name);
      if (subcommand === undefined) return 'ENOENT';
      this.changePerm(subcommand, true);
      return undefined;
    }
    const args = this.firstArgs.get(command.id) ?? [];
    if (!args.some((arg) => arg.toLowerCase() === sub.toLowerCase())) args.push(sub);
    this.firstArgs.set(command.id, args);
    return undefined;
  }

  private addKeyPattern(op: string): RuleError | undefined {
    if (this.allKeys) return 'EEXIST';
    let flags = 0;
    let offset = 1;
    if (op[0] === '%') {
      for (; offset < op.length; offset++) {
        const c = op[offset]!.toUpperCase();
        if (c === 'R' && (flags & READ) === 0) flags |= READ;
        else if (c === 'W' && (flags & WRITE) === 0) flags |= WRITE;
        else if (op[offset] === '~') {
          offset++;
          break;
        } else return 'EINVAL';
      }
    } else flags = READ | WRITE;
    if (flags === 0) return 'EINVAL';
    const pattern = op.slice(offset);
    if (hasSpaces(pattern)) return 'EINVAL';
    const existing = this.keys.find((key) => key.pattern === pattern);
    if (existing === undefined) this.keys.push({ pattern, flags });
    else existing.flags |= flags;
    this.allKeys = false;
    return undefined;
  }

  private addChannel(op: string): RuleError | undefined {
    if (this.allChannels) return 'EISDIR';
    const pattern = op.slice(1);
    if (hasSpaces(pattern)) return 'EINVAL';
    if (!this.channels.includes(pattern)) this.channels.push(pattern);
    this.allChannels = false;
    return undefined;
  }
}

/** Redis's ACLStringHasSpaces: isspace() or NUL anywhere. */
export function hasSpaces(text: string): boolean {
  return /[ \t\n\v\f\r\0]/.test(text);
}

// One ACL user as Redis 7.0 keeps it (acl.c's user): on/off, nopass, the sanitize-payload flags,
// its passwords as SHA-256 hex digests (never the clear text: the server turns `>pass` into
// `#<digest>` before a rule reaches the log, and this layer refuses the clear forms), and its
// selectors, the first of which is the root. `apply` is ACLSetUser: one rule at a time.

import { assert } from '../../lib/assert.js';
import { Selector, type RuleError } from './selector.js';

/** A user-level rule the log must never carry (a clear password), refused at apply. */
export const CLEAR_PASSWORD_RULE = 'ECLEAR';

export class AclUser {
  enabled = false;
  nopass = false;
  /** Redis's skip-sanitize-payload / sanitize-payload flags (neither at creation). */
  sanitize: 'skip' | 'sanitize' | undefined = undefined;
  readonly passwords: string[] = [];
  readonly selectors: Selector[] = [new Selector()];

  constructor(readonly name: string) {}

  get root(): Selector {
    const root = this.selectors[0];
    assert(root !== undefined, 'a user has a root selector');
    return root;
  }

  /** Redis's default user: on, nopass, ~*, &*, +@all. */
  static defaultUser(): AclUser {
    const user = new AclUser('default');
    for (const op of ['+@all', '~*', '&*', 'on', 'nopass']) assert(user.apply(op) === undefined, `default rule ${op}`);
    return user;
  }

  clone(name = this.name): AclUser {
    const copy = new AclUser(name);
    copy.enabled = this.enabled;
    copy.nopass = this.nopass;
    copy.sanitize = this.sanitize;
    copy.passwords.push(...this.passwords);
    copy.selectors.length = 0;
    copy.selectors.push(...this.selectors.map((s) => s.clone()));
    return copy;
  }

  /** Applies one rule (ACLSetUser). Passwords come only as digests (#, !); > and < are refused here. */
  apply(op: string): RuleError | typeof CLEAR_PASSWORD_RULE | undefined {
    if (op.length === 0) return undefined;
    switch (op.toLowerCase()) {
      case 'on': this.enabled = true; return undefined;
      case 'off': this.enabled = false; return undefined;
      case 'skip-sanitize-payload': this.sanitize = 'skip'; return undefined;
      case 'sanitize-payload': this.sanitize = 'sanitize'; return undefined;
      case 'nopass': this.nopass = true; this.passwords.length = 0; return undefined;
      case 'resetpass': this.nopass = false; this.passwords.length = 0; return undefined;
      case 'clearselectors': this.selectors.length = 1; return undefined;
      case 'reset': this.reset(); return undefined;
    }
    const first = op[0];
    if (first === '>' || first === '<') return CLEAR_PASSWORD_RULE;
    if (first === '#' || first === '!') return this.changePassword(op.slice(1), first === '#');
    if (first === '(' && op.endsWith(')')) {
      const selector = new Selector();
      for (const inner of op.slice(1, -1).split(/[ \t\n\r]+/)) {
        if (inner === '') continue;
        const error = selector.apply(inner);
        if (error !== undefined) return error;
      }
      this.selectors.push(selector);
      return undefined;
    }
    return this.root.apply(op);
  }

  private changePassword(digest: string, add: boolean): RuleError | undefined {
    if (!isDigest(digest)) return 'EBADMSG';
    const at = this.passwords.indexOf(digest);
    if (add) {
      if (at === -1) this.passwords.push(digest);
      this.nopass = false;
      return undefined;
    }
    if (at === -1) return 'ENODEV';
    this.passwords.splice(at, 1);
    return undefined;
  }

  private reset(): void {
    this.nopass = false;
    this.passwords.length = 0;
    const root = this.root;
    root.apply('resetkeys');
    root.apply('resetchannels');
    this.enabled = false;
    this.sanitize = 'sanitize';
    this.selectors.length = 1;
    root.apply('-@all');
  }
}

/** 64 lowercase hex characters: a SHA-256 digest as Redis prints it. */
export function isDigest(text: string): boolean {
  return /^[0-9a-f]{64}$/.test(text);
}

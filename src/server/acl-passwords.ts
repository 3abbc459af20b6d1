// Passwords as the ACL keeps them: SHA-256 hex digests. The server turns a request's clear
// passwords (`>pass`, `<pass`) into digests (`#…`, `!…`) before anything is proposed, so no log
// entry, snapshot, aclfile or error reply holds one; AUTH compares digests in constant time.

import { createHash, timingSafeEqual } from 'node:crypto';

export function passwordDigest(password: Uint8Array): string {
  return createHash('sha256').update(password).digest('hex');
}

/** A rule with its clear password, if any, replaced by the digest form (`>p` → `#sha`, `<p` → `!sha`). */
export function digestRule(rule: Buffer): string {
  const first = rule[0];
  if (first === 0x3e) return `#${passwordDigest(rule.subarray(1))}`;
  if (first === 0x3c) return `!${passwordDigest(rule.subarray(1))}`;
  return rule.toString('latin1');
}

/** Whether `rules` (as sent) hold a clear password: a reply must then never echo them. */
export function holdsClearPassword(rules: readonly Buffer[]): boolean {
  return rules.some((rule) => rule[0] === 0x3e || rule[0] === 0x3c);
}

/** Constant-time equality of two digests or two passwords of any lengths. */
export function sameSecret(a: Uint8Array | string, b: Uint8Array | string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}

// The ACL in a snapshot: a section after the script cache's, written only once an entry has
// changed the ACL, so the snapshot of a state that never used ACL is byte for byte what it was
// before ACL existed. Layout (little-endian): "CAIRNACL" | u32 format (1) | f64 nextIncarnation |
// u32 count | count × (u32 nameBytes | name | f64 incarnation | u32 rulesBytes | rules), users in
// name order, each user's rules as ACL LIST writes them (describe.ts: digests, never passwords).

import { Buffer } from 'node:buffer';
import { CairnError } from '../../lib/errors.js';
import { ByteReader } from '../reader.js';
import { describeUser } from './describe.js';
import { AclRegistry, mergeSelectorArguments } from './registry.js';

export const ACL_MAGIC = 'CAIRNACL';
const ACL_FORMAT = 1;

export function encodeAclSection(acl: AclRegistry): Uint8Array {
  if (acl.pristine) return new Uint8Array(0);
  const parts: Buffer[] = [Buffer.from(ACL_MAGIC, 'latin1')];
  const head = Buffer.alloc(16);
  head.writeUInt32LE(ACL_FORMAT, 0);
  head.writeDoubleLE(acl.nextIncarnation, 4);
  head.writeUInt32LE(acl.size, 12);
  parts.push(head);
  for (const { user, incarnation } of acl.sorted()) {
    const name = Buffer.from(user.name, 'latin1');
    const rules = Buffer.from(describeUser(user), 'latin1');
    const fixed = Buffer.alloc(4);
    fixed.writeUInt32LE(name.length, 0);
    const middle = Buffer.alloc(12);
    middle.writeDoubleLE(incarnation, 0);
    middle.writeUInt32LE(rules.length, 8);
    parts.push(fixed, name, middle, rules);
  }
  return Buffer.concat(parts);
}

/** The ACL a snapshot holds (the default one when it has no section) and the bytes after it. Throws CAIRN_CORRUPT / CAIRN_FORMAT. */
export function decodeAclSection(bytes: Uint8Array): { acl: AclRegistry; rest: Uint8Array } {
  const acl = new AclRegistry();
  if (Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 8)).toString('latin1') !== ACL_MAGIC) return { acl, rest: bytes };
  const r = new ByteReader(bytes, 'kv acl section');
  r.latin1(8, 'magic');
  const format = r.u32('format');
  if (format !== ACL_FORMAT) throw new CairnError('CAIRN_FORMAT', `kv acl section: unknown format ${format}`);
  acl.nextIncarnation = r.int('next incarnation', 1);
  const count = r.u32('user count');
  if (count * 20 > r.remaining) r.corrupt('user count exceeds the section');
  for (let i = 0; i < count; i++) {
    const name = r.latin1(r.u32('name length'), 'name');
    const incarnation = r.int('incarnation', 0);
    const rules = r.latin1(r.u32('rules length'), 'rules');
    const merged = mergeSelectorArguments(rules.split(' '));
    const ops = 'merged' in merged ? merged.merged : r.corrupt(`user ${name}'s selectors are not closed`);
    if (incarnation >= acl.nextIncarnation) r.corrupt(`user ${name}'s incarnation is ahead of the counter`);
    if (acl.restore(name, incarnation, ops) !== undefined) r.corrupt(`user ${name}'s rules do not apply`);
  }
  acl.pristine = false;
  return { acl, rest: bytes.subarray(r.at) };
}

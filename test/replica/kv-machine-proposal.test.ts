// A node applies the entries it proposed from the commands they were encoded from (KvMachine.
// encodeProposal), not by decoding their bytes again; another replica decodes the bytes. Both must
// give the same replies and the same state, whatever the entry holds: several commands, databases
// other than 0, WATCHed versions that hold or not.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import type { Entry } from '../../src/kv/entry.js';
import { KvMachine } from '../../src/replica/kv-machine.js';

const b = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const cmd = (...args: string[]): Uint8Array[] => args.map(b);

const entries: Entry[] = [
  { nowMs: 1_000, commands: [cmd('SET', 'k', 'v1'), cmd('LPUSH', 'l', 'a', 'b'), cmd('ZADD', 'z', '1.5', 'm')] },
  { nowMs: 1_001, commands: [cmd('INCR', 'n'), cmd('SET', 'k', 'v2', 'PX', '50')], dbs: [3, 0] },
  { nowMs: 1_002, commands: [cmd('HSET', 'h', 'f', 'x')], watches: [{ key: b('k'), version: 0 }] },
  { nowMs: 1_003, commands: [cmd('SADD', 's', 'one'), cmd('GET', 'k')], watches: [] },
  { nowMs: 1_100, commands: [cmd('GET', 'k'), cmd('INCR', 'n')], dbs: [0, 3] },
];

test('an entry applied from its proposal\'s commands answers and changes state as its decoded bytes do', () => {
  const leader = new KvMachine();
  const follower = new KvMachine();
  for (const [i, entry] of entries.entries()) {
    const data = leader.encodeProposal(entry);
    const copy = Uint8Array.from(data);
    assert.deepEqual(leader.apply(data, i + 1), follower.apply(copy, i + 1), `entry ${i + 1}`);
  }
  assert.deepEqual(Buffer.from(leader.snapshot()), Buffer.from(follower.snapshot()));
});

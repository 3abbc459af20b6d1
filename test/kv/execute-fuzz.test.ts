// Fuzz execute(): any command from the table with random arguments returns a reply (often an
// error reply) and never throws; replies stay bounded and the state stays encodable.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KV_COMMANDS } from '../../src/kv/commands.js';
import { KvState } from '../../src/kv/state.js';

const names = [...KV_COMMANDS.keys()].filter((name) => name !== 'flushall' && name !== 'flushdb');
const words = ['NX', 'XX', 'GT', 'LT', 'GET', 'EX', 'PX', 'EXAT', 'PXAT', 'KEEPTTL', 'PERSIST', 'IFEQ', 'IFNE', 'MATCH',
  'COUNT', 'TYPE', 'string', '*', '0', '1', '-1', '9223372036854775807', '-9223372036854775808', '1e400', '0.5', 'k', 'v', ''];
const arg = fc.oneof(fc.constantFrom(...words), fc.string({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b).toString('latin1')));

test('execute never throws on any command with random arguments', () => {
  fc.assert(fc.property(
    fc.array(fc.tuple(fc.constantFrom(...names), fc.array(arg, { maxLength: 6 }), fc.nat(5000)), { minLength: 1, maxLength: 60 }),
    (commands) => {
      const state = new KvState();
      let nowMs = 1000;
      for (const [name, args, advanceMs] of commands) {
        nowMs += advanceMs;
        const reply = state.execute([name, ...args].map((x) => Buffer.from(x, 'latin1')), nowMs);
        assert.ok(reply !== undefined);
      }
      KvState.decodeSnapshot(state.encodeSnapshot());
    },
  ), { numRuns: 1500 });
});

// Property test: kv/ against a tiny model of SET/GET/DEL/INCR/EXPIRE with time moving forward.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KvState } from '../../src/kv/state.js';
import { argv, plain, type Plain } from './helpers.js';

type Op =
  | { op: 'set'; key: string; value: string; pxMs?: number }
  | { op: 'get'; key: string }
  | { op: 'del'; key: string }
  | { op: 'incr'; key: string }
  | { op: 'expire'; key: string; seconds: number }
  | { op: 'tick'; ms: number };

const key = fc.constantFrom('a', 'b', 'c');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), key, value: fc.oneof(fc.constantFrom('1', '41', '-3', 'x', ''), fc.integer().map(String)),
    pxMs: fc.option(fc.integer({ min: 1, max: 3000 }), { nil: undefined }) }),
  fc.record({ op: fc.constant('get' as const), key }),
  fc.record({ op: fc.constant('del' as const), key }),
  fc.record({ op: fc.constant('incr' as const), key }),
  fc.record({ op: fc.constant('expire' as const), key, seconds: fc.integer({ min: -2, max: 3 }) }),
  fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 1500 }) }),
);

interface ModelEntry { value: string; expireAtMs: number | undefined }

function modelStep(model: Map<string, ModelEntry>, op: Op, nowMs: number): Plain | undefined {
  const live = (k: string) => {
    const entry = model.get(k);
    if (entry !== undefined && entry.expireAtMs !== undefined && entry.expireAtMs <= nowMs) {
      model.delete(k);
      return undefined;
    }
    return entry;
  };
  switch (op.op) {
    case 'set':
      model.set(op.key, { value: op.value, expireAtMs: op.pxMs === undefined ? undefined : nowMs + op.pxMs });
      return { simple: 'OK' };
    case 'get': return live(op.key)?.value ?? null;
    case 'del': return live(op.key) === undefined ? 0 : (model.delete(op.key), 1);
    case 'incr': {
      const entry = live(op.key);
      const text = entry?.value ?? '0';
      if (!/^(0|-?[1-9]\d*)$/.test(text) || BigInt(text) >= 2n ** 63n || BigInt(text) < -(2n ** 63n)) return { error: 'ERR value is not an integer or out of range' };
      const next = BigInt(text) + 1n;
      if (next >= 2n ** 63n) return { error: 'ERR increment or decrement would overflow' };
      model.set(op.key, { value: next.toString(), expireAtMs: entry?.expireAtMs });
      return Number.isSafeInteger(Number(next)) ? Number(next) : next.toString();
    }
    case 'expire': {
      const entry = live(op.key);
      if (entry === undefined) return 0;
      if (op.seconds <= 0) model.delete(op.key);
      else entry.expireAtMs = nowMs + op.seconds * 1000;
      return 1;
    }
    case 'tick': return undefined;
  }
}

function toArgv(op: Op): Uint8Array[] {
  switch (op.op) {
    case 'set': return argv('SET', op.key, op.value, ...(op.pxMs === undefined ? [] : ['PX', String(op.pxMs)]));
    case 'get': return argv('GET', op.key);
    case 'del': return argv('DEL', op.key);
    case 'incr': return argv('INCR', op.key);
    case 'expire': return argv('EXPIRE', op.key, String(op.seconds));
    case 'tick': return [];
  }
}

test('SET/GET/DEL/INCR/EXPIRE agree with a simple model', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => {
      const state = new KvState();
      const model = new Map<string, ModelEntry>();
      let nowMs = 1_000;
      for (const op of ops) {
        if (op.op === 'tick') {
          nowMs += op.ms;
          continue;
        }
        const expected = modelStep(model, op, nowMs);
        assert.deepEqual(plain(state.execute(toArgv(op), nowMs)), expected, JSON.stringify(op));
      }
    }),
    { numRuns: 300 },
  );
});

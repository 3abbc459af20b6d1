// The checker never hangs and never grows without bound: a pathological history ends 'unknown'
// at the state, memory or time bound, and malformed input is refused with a clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCairnError } from '../../src/lib/errors.js';
import { checkHistory, type Operation } from '../../src/check/index.js';
import { Builder } from './generate.js';

/**
 * 30 increments by distinct even amounts with unknown outcomes, then a read of an odd number: no
 * subset of them adds up to it, and proving that means trying all 2^30 subsets. No small window
 * shows it either (from any starting value the read is explained), so no bound can be dodged.
 */
function pathological(): Operation[] {
  const b = new Builder();
  let total = 0;
  for (let i = 1; i <= 30; i++) {
    b.incr(0, 1, 2 * i, undefined, { status: 'unknown' });
    total += 2 * i;
  }
  b.read(10, 11, String(total + 1));
  return b.ops;
}

test('the state bound ends a pathological search with unknown', () => {
  const result = checkHistory(pathological(), { maxStates: 20_000 });
  assert.equal(result.verdict, 'unknown');
  assert.match(result.perKey[0]!.reason ?? '', /state limit/);
  assert.ok(result.stats.statesExplored <= 20_000);
  assert.equal(result.failure, undefined);
});

test('the memory bound ends a pathological search with unknown', () => {
  const result = checkHistory(pathological(), { maxMemoryBytes: 2 * 1024 * 1024 });
  assert.equal(result.verdict, 'unknown');
  assert.match(result.perKey[0]!.reason ?? '', /memory limit/);
});

test('the time bound ends a pathological search with unknown within the bound', () => {
  const now = (): number => performance.now();
  const started = now();
  const result = checkHistory(pathological(), { now, timeLimitMs: 300 });
  const elapsedMs = now() - started;
  assert.equal(result.verdict, 'unknown');
  assert.match(result.perKey[0]!.reason ?? '', /time limit/);
  assert.ok(elapsedMs < 300 + 250, `took ${elapsedMs} ms`);
});

test('keys after the deadline are reported unknown, not skipped silently', () => {
  const ops = pathological();
  const b = new Builder();
  b.write(0, 1, 'a', { key: 'other' });
  const history = [...ops, { ...b.ops[0]!, id: 10_000 }];
  const result = checkHistory(history, { now: () => performance.now(), timeLimitMs: 100 });
  assert.deepEqual(result.perKey.map((k) => [k.key, k.verdict]), [['k', 'unknown'], ['other', 'unknown']]);
  assert.match(result.perKey[1]!.reason ?? '', /before this key was checked/);
});

test('malformed histories and options are refused with CAIRN_INVALID_ARGUMENT', () => {
  const good = { id: 0, clientId: 0, key: 'k', kind: 'write', value: 'a', status: 'ok', invokeTime: 0, completeTime: 1 };
  const bad: [string, unknown][] = [
    ['completes before invoked', { ...good, completeTime: -1 }],
    ['non-finite time', { ...good, invokeTime: Number.NaN }],
    ['unknown kind', { ...good, kind: 'append' }],
    ['unknown status', { ...good, status: 'maybe' }],
    ['write without value', { ...good, value: 3 }],
    ['read without output', { ...good, kind: 'read' }],
    ['incr with fractional delta', { ...good, kind: 'incr', delta: 0.5, output: 1 }],
    ['output on a failed op', { ...good, kind: 'read', status: 'fail', output: 'x' }],
    ['delete output 2', { ...good, kind: 'delete', output: 2 }],
  ];
  for (const [name, op] of bad) {
    assert.throws(() => checkHistory([op as Operation]), (e: unknown) => isCairnError(e, 'CAIRN_INVALID_ARGUMENT'), name);
  }
  assert.throws(() => checkHistory([good as Operation, good as Operation]), /appears twice/);
  assert.throws(() => checkHistory([], { timeLimitMs: 10 }), /needs a clock/);
  assert.throws(() => checkHistory([], { maxStates: 0 }), /maxStates/);
});

test('a search cut short by a bound is still proven illegal by a window near where it got stuck', () => {
  // 40 concurrent writes and 40 concurrent reads (many orders), then a read of a value never
  // written: exhausting the orders passes the bound, but the last read and any write that
  // completed before it cannot be ordered on their own.
  const b = new Builder();
  for (let i = 0; i < 40; i++) {
    b.write(0, 1000, `v${i}`);
    b.read(1, 1000, `v${(i * 7) % 40}`);
  }
  const last = b.read(2000, 2001, 'never-written');
  const result = checkHistory(b.ops, { maxStates: 20_000 });
  assert.equal(result.verdict, 'illegal');
  assert.match(result.perKey[0]!.reason ?? '', /state limit.*proves it illegal/);
  assert.ok(result.failure!.window.includes(last));
  assert.equal(result.failure!.window.length, 2);
});

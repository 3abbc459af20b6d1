// Large random histories from a register that is linearizable by construction must pass; the
// same histories with one planted anomaly must fail, naming the planted operation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../src/lib/prng.js';
import { checkHistory, type Operation } from '../../src/check/index.js';
import { plantStaleRead, randomHistory } from './generate.js';

const now = (): number => performance.now();

test('random linearizable histories pass (8 clients, 6000 operations, 5 keys, all kinds, unknowns and failures)', () => {
  for (const seed of [1, 2, 3]) {
    const history = randomHistory({ seed, clients: 8, operations: 6000, keys: 5, unknownRate: 0.02, failRate: 0.02 });
    const result = checkHistory(history, { now, timeLimitMs: 20_000 });
    assert.equal(result.verdict, 'ok', `seed ${seed}: ${JSON.stringify(result.perKey)}`);
    assert.equal(result.failure, undefined);
  }
});

test('a busy single key with 16 concurrent clients passes', () => {
  const history = randomHistory({ seed: 4, clients: 16, operations: 3000, keys: 1, unknownRate: 0.01, failRate: 0.01 });
  assert.equal(checkHistory(history, { now, timeLimitMs: 20_000 }).verdict, 'ok');
});

test('a planted stale read is found and the window holds it', () => {
  const prng = new Prng(5);
  for (const seed of [11, 12, 13]) {
    const history = randomHistory({ seed, clients: 8, operations: 4000, keys: 3, mix: [4, 3, 1, 1, 0], unknownRate: 0.02, failRate: 0.02 });
    const planted = plantStaleRead(history, prng);
    assert.notEqual(planted, null);
    const result = checkHistory(history, { now, timeLimitMs: 20_000 });
    assert.equal(result.verdict, 'illegal', `seed ${seed}`);
    assert.ok(result.failure!.window.some((op) => op.id === planted), `seed ${seed}: window names #${planted}`);
  }
});

test('a planted duplicate increment result is found', () => {
  const history = randomHistory({ seed: 21, clients: 8, operations: 3000, keys: 2, mix: [3, 0, 0, 0, 3], unknownRate: 0.01, failRate: 0.01 });
  // Make one ok increment report the same value as the previous ok increment on its key.
  const incrs = history.filter((op): op is Extract<Operation, { kind: 'incr' }> => op.kind === 'incr' && op.status === 'ok');
  const victim = incrs.findIndex((op, i) => i > 100 && incrs.slice(0, i).some((p) => p.key === op.key && p.completeTime < op.invokeTime && p.output! < op.output!));
  const target = incrs[victim]!;
  const earlier = incrs.slice(0, victim).filter((p) => p.key === target.key && p.completeTime < target.invokeTime).at(-1)!;
  history[history.indexOf(target)] = { ...target, output: earlier.output! };
  const result = checkHistory(history, { now, timeLimitMs: 20_000 });
  assert.equal(result.verdict, 'illegal');
  assert.equal(result.failure?.key, target.key);
});

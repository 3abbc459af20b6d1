// HistoryRecorder: one call to invoke and one to resolve per operation, times from the caller's
// clock, pending operations reported as unknown, misuse refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCairnError } from '../../src/lib/errors.js';
import { checkHistory, HistoryRecorder } from '../../src/check/index.js';

test('records operations with the clock, outputs and statuses, in invocation order', () => {
  let tick = 0;
  const recorder = new HistoryRecorder(() => tick);
  const write = recorder.invoke(1, 'k', { kind: 'write', value: 'a' });
  tick = 2;
  write.ok();
  const read = recorder.invoke(2, 'k', { kind: 'read' });
  const incr = recorder.invoke(3, 'n', { kind: 'incr', delta: 2 });
  const cas = recorder.invoke(4, 'k', { kind: 'cas', expected: 'a', value: 'b' });
  const del = recorder.invoke(5, 'k', { kind: 'delete' });
  tick = 5;
  read.ok('a');
  incr.unknown();
  cas.fail();
  del.ok(1);
  const history = recorder.history();
  assert.equal(recorder.size, 5);
  assert.deepEqual(history[0], { id: 0, clientId: 1, key: 'k', status: 'ok', invokeTime: 0, completeTime: 2, kind: 'write', value: 'a' });
  assert.deepEqual(history[1], { id: 1, clientId: 2, key: 'k', status: 'ok', invokeTime: 2, completeTime: 5, kind: 'read', output: 'a' });
  assert.equal(history[2]!.status, 'unknown');
  assert.equal('output' in history[2]!, false);
  assert.equal(history[3]!.status, 'fail');
  assert.deepEqual(history[4], { id: 4, clientId: 5, key: 'k', status: 'ok', invokeTime: 2, completeTime: 5, kind: 'delete', output: 1 });
  assert.equal(checkHistory(history).verdict, 'ok');
});

test('operations still pending are reported as unknown, completing now', () => {
  let tick = 10;
  const recorder = new HistoryRecorder(() => tick);
  recorder.invoke(1, 'k', { kind: 'write', value: 'a' });
  tick = 15;
  const [op] = recorder.history();
  assert.equal(op!.status, 'unknown');
  assert.equal(op!.completeTime, 15);
});

test('resolving twice and recording past the cap are refused', () => {
  const recorder = new HistoryRecorder(() => 0, 2);
  const op = recorder.invoke(1, 'k', { kind: 'read' });
  op.ok(null);
  assert.throws(() => op.fail(), (e: unknown) => isCairnError(e, 'CAIRN_INVALID_ARGUMENT'));
  recorder.invoke(1, 'k', { kind: 'read' });
  assert.throws(() => recorder.invoke(1, 'k', { kind: 'read' }), /recorder is full/);
  assert.throws(() => new HistoryRecorder(() => 0, 0), /maxOperations/);
});

test('the recorded input is a copy: mutating the caller object changes nothing', () => {
  const recorder = new HistoryRecorder(() => 0);
  const input = { kind: 'write' as const, value: 'a' };
  recorder.invoke(1, 'k', input).ok();
  (input as { value: string }).value = 'changed';
  const [op] = recorder.history();
  assert.equal(op!.kind === 'write' && op!.value, 'a');
});

// Scale: a snapshot of 1,000,000 keys encodes and decodes well within the 3 s reopen budget.
// Measured in CPU time of this process, so a busy shared machine does not fail it spuriously.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KvState } from '../../src/kv/state.js';
import { encodeEntry, applyEntry } from '../../src/kv/entry.js';

const KEY_COUNT = Number(process.env.KV_SCALE_KEYS ?? 1_000_000);

function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

test(`snapshot of ${KEY_COUNT} keys: encode + decode within the reopen budget`, () => {
  const state = new KvState();
  const set = Buffer.from('SET');
  for (let i = 0; i < KEY_COUNT; i++) {
    state.execute([set, Buffer.from(`key:${i}`), Buffer.from(`value-${i}`)], 1000);
  }
  state.execute([Buffer.from('PEXPIRE'), Buffer.from('key:7'), Buffer.from('5000')], 1000);
  const encodeStart = cpuMs();
  const bytes = state.encodeSnapshot();
  const encodeMs = cpuMs() - encodeStart;
  const decodeStart = cpuMs();
  const restored = KvState.decodeSnapshot(bytes);
  const decodeMs = cpuMs() - decodeStart;
  console.log(`keys=${KEY_COUNT} snapshotBytes=${bytes.length} encodeCpuMs=${encodeMs.toFixed(0)} decodeCpuMs=${decodeMs.toFixed(0)}`);
  assert.equal(restored.keyCount, KEY_COUNT);
  assert.equal(Buffer.from(restored.getValue('key:123456', 1000) ?? []).toString(), KEY_COUNT > 123456 ? 'value-123456' : '');
  assert.equal(restored.collectExpired(6000, 10).length, 1);
  assert.ok(encodeMs + decodeMs < 3000, `encode ${encodeMs} ms + decode ${decodeMs} ms of CPU`);
  // Replaying a log tail on top of the restored state: 100k entries.
  const entry = encodeEntry({ nowMs: 2000, commands: [[set, Buffer.from('hot'), Buffer.from('v')]] });
  const replayStart = cpuMs();
  for (let i = 0; i < 100_000; i++) applyEntry(restored, entry);
  console.log(`replay of 100000 entries cpuMs=${(cpuMs() - replayStart).toFixed(0)}`);
});

// Crash test: a child process writes with fsync 'always' and prints each acknowledged write; we
// SIGKILL it at random moments, many times over the same folder, and after every kill reopen the
// one-member node and check that every acknowledged write is there (or a later write of the same key) and
// that the folder is consistent. Bounded to about 25 s.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Prng } from '../../src/lib/prng.js';
import { NodeDisk } from '../../src/runtime/disk.js';
import { LocalNode } from '../../src/runtime/local-node.js';
import { inspectDataDir } from '../../src/cli/check.js';
import { ManualClock, withTempDir } from './helpers.js';

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const ROUNDS_MAX = 40;
const BUDGET_MS = 25_000;
const READY_TIMEOUT_MS = 15_000;
const SEQ_STRIDE = 10_000_000;

interface RoundResult {
  acks: { key: string; seq: number }[];
}

/**
 * Runs the child until it is ready, lets it write for `runMs`, SIGKILLs it, returns its acks.
 * With `killAfterSpawnMs` the kill comes that long after the spawn instead, ready or not, so some
 * kills land while the child is still recovering the folder.
 */
function runChild(dir: string, firstSeq: number, runMs: number, killAfterSpawnMs?: number): Promise<RoundResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(firstSeq)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acks: { key: string; seq: number }[] = [];
    let buffered = '';
    let stderr = '';
    let killed = false;
    const readyTimer = setTimeout(() => child.kill('SIGKILL'), READY_TIMEOUT_MS);
    const earlyTimer =
      killAfterSpawnMs === undefined
        ? undefined
        : setTimeout(() => {
            killed = true;
            child.kill('SIGKILL');
          }, killAfterSpawnMs);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready' && earlyTimer === undefined) {
          clearTimeout(readyTimer);
          setTimeout(() => {
            killed = true;
            child.kill('SIGKILL');
          }, runMs);
        } else {
          const [word, key, seq] = line.split(' ');
          if (word === 'ack' && key !== undefined) acks.push({ key, seq: Number(seq) });
        }
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(readyTimer);
      clearTimeout(earlyTimer);
      if (killed && signal === 'SIGKILL') resolve({ acks });
      else reject(new Error(`child ended unexpectedly (code ${code}, signal ${signal}): ${stderr}`));
    });
  });
}

function seqOf(value: Uint8Array): number {
  const match = /^v(\d+)-/.exec(Buffer.from(value).toString());
  assert.ok(match !== null, 'value has the child format');
  return Number(match[1]);
}

test('every acknowledged write survives SIGKILL at random moments', { timeout: 120_000 }, async () => {
  await withTempDir(async (dir) => {
    const prng = new Prng(Number(process.env.CAIRN_SEED ?? 20_261_125));
    const lastAcked = new Map<string, number>();
    const started = Date.now();
    let rounds = 0;
    let totalAcks = 0;
    while (rounds < ROUNDS_MAX && Date.now() - started < BUDGET_MS) {
      const firstSeq = (rounds + 1) * SEQ_STRIDE;
      const { acks } = await runChild(dir, firstSeq, prng.int(0, 400), prng.chance(0.25) ? prng.int(200, 1500) : undefined);
      rounds++;
      totalAcks += acks.length;
      for (const { key, seq } of acks) lastAcked.set(key, Math.max(seq, lastAcked.get(key) ?? 0));
      const inspection = await inspectDataDir(new NodeDisk(), dir);
      assert.ok(inspection.log.damage === null || inspection.log.damage.kind === 'tail', `round ${rounds}: no damage in the middle: ${JSON.stringify(inspection.log.damage)}`);
      assert.equal(inspection.gap, null);
      const store = await LocalNode.open({ dir, disk: new NodeDisk(), clock: new ManualClock() });
      try {
        for (const [key, seq] of lastAcked) {
          const value = store.getValueByBinaryKey(key);
          assert.ok(value !== undefined, `round ${rounds}: acknowledged key ${key} is missing`);
          const found = seqOf(value);
          assert.ok(found >= seq, `round ${rounds}: ${key} holds write ${found}, older than acknowledged ${seq}`);
          assert.ok(found < firstSeq + SEQ_STRIDE, `round ${rounds}: ${key} holds a write nobody issued`);
          lastAcked.set(key, found);
        }
        assert.ok(store.state.keyCount <= 100);
      } finally {
        await store.close();
      }
    }
    assert.ok(rounds >= 5, `only ${rounds} rounds ran`);
    assert.ok(totalAcks > 100, `only ${totalAcks} writes were acknowledged`);
    console.log(`crash test: ${rounds} kills, ${totalAcks} acknowledged writes checked`);
  });
});

// `cairn local-cluster` (npm start): three node processes come up on consecutive ports, serve a
// write on one node and a read on another, stop on the signal with exit code 0, and a second
// start on the same data folder recovers the data. The nodes' peer links prove a generated
// cluster secret, so none warns about unauthenticated peers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLocalCluster } from '../../src/cli/local-cluster.js';
import { call, show, waitFor } from './helpers.js';

const fixture = new URL('./fixtures/run-node.ts', import.meta.url).pathname;

async function isFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A base port with `count` free ports after it (the local cluster uses consecutive ports). */
async function freeRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    let free = true;
    for (let i = 0; i < count && free; i++) free = await isFree(base + i);
    if (free) return base;
  }
  throw new Error('no run of free ports');
}

async function runOnce(dir: string, port: number, peerPort: number, body: () => Promise<void>): Promise<number> {
  const lines: string[] = [];
  const stop = new AbortController();
  const running = runLocalCluster({ nodeCommand: ['--import', 'tsx', fixture], dir, nodes: 3, port, peerPort, print: (line) => lines.push(line) }, stop.signal);
  try {
    await waitFor('the local cluster to be up', () => (lines.some((l) => l.includes('nodes up')) ? true : undefined), 60_000);
    assert.ok(lines.some((l) => l.includes(`redis-cli -p ${port}`)), lines.join('\n'));
    await body();
  } finally {
    // Even when the body failed: every node is stopped before the test ends.
    stop.abort();
    await running;
  }
  return running;
}

test('the local cluster serves, stops on the signal and recovers its data on restart', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-local-cluster-'));
  try {
    const port = await freeRun(3);
    const peerPort = await freeRun(3);
    const first = await runOnce(dir, port, peerPort, async () => {
      assert.equal(show(await call(port, 'SET', 'kept', 'across restarts')), 'OK');
      assert.equal(show(await call(port + 2, 'GET', 'kept')), 'across restarts');
    });
    assert.equal(first, 0);
    // The nodes prove a cluster secret the first start wrote, readable by the owner only: no warning.
    const secret = await stat(join(dir, 'cluster-secret'));
    assert.equal(secret.mode & 0o777, 0o600);
    const secretText = await readFile(join(dir, 'cluster-secret'), 'utf8');
    for (const id of ['n1', 'n2', 'n3']) {
      const log = await readFile(join(dir, `${id}.log`), 'utf8');
      assert.match(log, /"event":"peer.authentication","tls":false,"clusterSecret":true/, `${id} proves the secret`);
      assert.doesNotMatch(log, /peer\.unauthenticated/, `${id} does not warn`);
      assert.ok(!log.includes(secretText.trim()), `${id}'s log does not hold the secret`);
    }
    const second = await runOnce(dir, port, peerPort, async () => {
      assert.equal(show(await call(port + 1, 'GET', 'kept')), 'across restarts');
    });
    assert.equal(second, 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// A node's start as a list of steps with undos (runtime/cluster/start-steps.ts): undos run in
// reverse, a step that takes ownership replaces the undos it owns, and a real node whose last
// step fails (its HTTP port taken) releases everything the earlier steps held — the data
// directory lock, the peer and client ports — so the same start succeeds once the port is free.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { settingsFromFlags } from '../../src/server/config.js';
import { clusterSettings } from '../../src/runtime/cluster/options.js';
import { startClusterNode } from '../../src/runtime/cluster/node.js';
import { StartUndo } from '../../src/runtime/cluster/start-steps.js';
import { acceptsConnections, freePort } from '../support/free-port.js';

test('undos run last first, owned undos are replaced, and a failing step undoes the earlier ones', async () => {
  const undo = new StartUndo();
  const ran: string[] = [];
  await undo.step(() => undo.add('storage', () => void ran.push('storage')));
  await undo.step(() => undo.add('transport', () => void ran.push('transport')));
  await undo.step(() => undo.takeOver(['storage', 'transport'], 'replica', () => void ran.push('replica')));
  await undo.step(() => undo.add('http', () => void ran.push('http')));
  await assert.rejects(undo.step(() => Promise.reject(new Error('step 5 failed'))), /step 5 failed/);
  assert.deepEqual(ran, ['http', 'replica']);
  await undo.unwind();
  assert.deepEqual(ran, ['http', 'replica'], 'each undo runs once');
});

test('a node whose HTTP port is taken fails to start and releases its dir lock and ports', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-start-steps-'));
  const [port, peerPort, httpPort] = [await freePort(), await freePort(), await freePort()];
  const blocker: Server = createServer();
  await new Promise<void>((resolve) => blocker.listen(httpPort, '127.0.0.1', resolve));
  const start = async () => {
    const settings = await settingsFromFlags({ port: String(port), dir, host: '127.0.0.1', fsync: 'no' });
    const cluster = clusterSettings({ id: 'n1', peerPort: String(peerPort), httpPort: String(httpPort) }, '127.0.0.1', port);
    return startClusterNode(settings, cluster, () => undefined);
  };
  try {
    await assert.rejects(start(), /EADDRINUSE|in use/);
    assert.equal(await acceptsConnections(port), false, 'the client port was closed');
    assert.equal(await acceptsConnections(peerPort), false, 'the peer port was closed');
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    const node = await start();
    try {
      assert.equal(await acceptsConnections(port), true);
    } finally {
      await node.close();
    }
  } finally {
    if (blocker.listening) blocker.close();
    await rm(dir, { recursive: true, force: true });
  }
});

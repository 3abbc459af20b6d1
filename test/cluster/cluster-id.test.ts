// A data directory keeps the cluster id it was first started with (<dir>/cluster.json): a restart
// with another --peers list keeps it, a wrong --id or a contradicting --cluster-id is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCairnError } from '../../src/lib/errors.js';
import { IDENTITY_FILE, settleClusterId } from '../../src/runtime/cluster/identity.js';
import { NodeDisk } from '../../src/runtime/disk.js';
import { call, freePort, show, waitFor } from './helpers.js';
import { entryArgs } from '../support/bundled-entry.js';

const disk = new NodeDisk();
const root = new URL('../../', import.meta.url).pathname;

test('settleClusterId: saved on the first start, kept after, contradictions refused', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-identity-'));
  try {
    assert.equal(await settleClusterId(disk, dir, { clusterId: 'cairn-aaaa', nodeId: 'n1' }, false), 'cairn-aaaa');
    assert.equal(await settleClusterId(disk, dir, { clusterId: 'cairn-bbbb', nodeId: 'n1' }, false), 'cairn-aaaa', 'a derived id gives way to the saved one');
    assert.equal(await settleClusterId(disk, dir, { clusterId: 'cairn-aaaa', nodeId: 'n1' }, true), 'cairn-aaaa');
    await assert.rejects(settleClusterId(disk, dir, { clusterId: 'cairn-bbbb', nodeId: 'n1' }, true), (error: unknown) => isCairnError(error, 'CAIRN_INVALID_ARGUMENT') && /belongs to cluster cairn-aaaa, not --cluster-id cairn-bbbb/.test(error.message));
    await assert.rejects(settleClusterId(disk, dir, { clusterId: 'cairn-aaaa', nodeId: 'n2' }, false), (error: unknown) => isCairnError(error, 'CAIRN_INVALID_ARGUMENT') && /belongs to node n1, not --id n2/.test(error.message));
    for (const bad of ['{', '{"clusterId": 5, "nodeId": "n1"}', 'x'.repeat(5000)]) {
      await writeFile(join(dir, IDENTITY_FILE), bad);
      await assert.rejects(settleClusterId(disk, dir, { clusterId: 'cairn-aaaa', nodeId: 'n1' }, false), (error: unknown) => isCairnError(error, 'CAIRN_CORRUPT') && error.message.includes(IDENTITY_FILE));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Starts one node (added to procs); resolves with its output once ready, or with its exit code if it stops first. */
async function runNode(procs: ChildProcess[], args: string[]): Promise<{ proc: ChildProcess; ready: boolean; code: number | null; out: string; err: string }> {
  const proc = spawn(process.execPath, [...(await entryArgs('test/cluster/fixtures/run-node.ts')), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  // Registered before waiting, so the test's cleanup kills it even if it never gets ready.
  procs.push(proc);
  const run = { proc, ready: false, code: null as number | null, out: '', err: '' };
  proc.stdout!.on('data', (chunk: Buffer) => (run.out += chunk.toString()));
  proc.stderr!.on('data', (chunk: Buffer) => (run.err += chunk.toString()));
  proc.once('exit', (code) => (run.code = code ?? -1));
  await waitFor('the node is ready or has exited', () => (run.out.includes(' ready on ') || run.code !== null ? true : undefined), 30_000);
  run.ready = run.code === null;
  return run;
}

async function stopped(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  await exited;
}

test('a node restarted with another --peers list keeps its cluster id; a wrong --id is refused', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-identity-node-'));
  const procs: ChildProcess[] = [];
  try {
    const port = String(await freePort());
    const first = await runNode(procs, ['--id', 'n1', '--port', port, '--dir', dir]);
    assert.ok(first.ready, first.err);
    assert.match(first.out, /\(peers none,/, 'a node alone without --peer-port listens for no peers');
    const clusterId = /cluster (cairn-[0-9a-f]+)/.exec(first.out)![1]!;
    await stopped(first.proc);

    const peerPort = String(await freePort());
    const second = await runNode(procs, ['--id', 'n1', '--port', port, '--peer-port', peerPort, '--peers', `n1=127.0.0.1:${peerPort}`, '--dir', dir]);
    assert.ok(second.ready, second.err);
    assert.match(second.err, new RegExp(`"clusterId":"${clusterId}"`), 'the node runs with the saved id');
    const info = String(show(await call(Number(port), 'CLUSTER', 'INFO')));
    assert.equal(/cairn_cluster_id:(\S+)/.exec(info)?.[1], clusterId);
    await stopped(second.proc);

    const wrong = await runNode(procs, ['--id', 'n2', '--port', port, '--dir', dir]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.err, /belongs to node n1, not --id n2/);
    const other = await runNode(procs, ['--id', 'n1', '--port', port, '--dir', dir, '--cluster-id', 'cairn-somewhere-else']);
    assert.equal(other.code, 1);
    assert.match(other.err, new RegExp(`belongs to cluster ${clusterId}, not --cluster-id cairn-somewhere-else`));
  } finally {
    for (const proc of procs) proc.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});

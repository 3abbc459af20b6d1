// `cairn cluster` against real processes with a password: members, add (sent to a follower, which
// answers NOTLEADER and the command follows it), transfer, CLUSTER FAILOVER on a follower, remove of
// the current leader (it hands over first), and the exit codes of refused, unreachable and bad calls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { freePort, RawClient, show, TestCluster, waitFor } from './helpers.js';
import { entryArgs } from '../support/bundled-entry.js';

const password = 'cli-secret';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

async function cairn(args: string[]): Promise<Run> {
  const child = spawn(process.execPath, [...(await entryArgs('src/cli/main.ts')), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => child.once('close', (code) => {
    clearTimeout(killer);
    resolve({ code, stdout, stderr });
  }));
}

async function authed(port: number, ...args: string[]): Promise<unknown> {
  const client = await RawClient.connect(port);
  try {
    assert.equal(show(await client.call('AUTH', password)), 'OK');
    return show(await client.call(...args));
  } finally {
    client.close();
  }
}

test('cairn cluster members, add, transfer, remove; CLUSTER FAILOVER', async () => {
  const cluster = await TestCluster.start(3, ['--requirepass', password]);
  try {
    const leader = await cluster.leader();
    const follower = cluster.nodes[(leader + 1) % 3]!;
    const via = ['-p', String(follower.port), '-a', password];

    const members = await cairn(['cluster', 'members', ...via]);
    assert.equal(members.code, 0, members.stderr);
    assert.match(members.stdout, /^ID\s+ROLE\s+PEER\s+CLIENT\s+FLAGS$/m);
    assert.match(members.stdout, new RegExp(`^${cluster.nodes[leader]!.id}\\s+voter\\s+127\\.0\\.0\\.1:${cluster.nodes[leader]!.peerPort}\\s+127\\.0\\.0\\.1:${cluster.nodes[leader]!.port}\\s+leader$`, 'm'));
    assert.match(members.stdout, new RegExp(`^${follower.id}\\s+voter\\s.*myself$`, 'm'));

    const added = await cluster.startJoiningNode((await cluster.info(leader)).cairn_cluster_id!);
    const n4 = cluster.nodes[added]!;
    const add = await cairn(['cluster', 'add', n4.id, '--peer', `127.0.0.1:${n4.peerPort}`, '--client', `127.0.0.1:${n4.port}`, ...via]);
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /added n4 as a voter/);
    assert.match(add.stderr, /does not lead; asking the leader/);
    assert.equal((await cluster.info(leader)).cairn_members, 'n1,n2,n3,n4');

    const transfer = await cairn(['cluster', 'transfer', follower.id, ...via]);
    assert.equal(transfer.code, 0, transfer.stderr);
    assert.match(transfer.stdout, new RegExp(`${follower.id} leads now`));
    assert.equal((await cluster.info((leader + 1) % 3)).cairn_role, 'leader');

    // Redis's word: FAILOVER sent to a follower makes it the leader.
    assert.equal(await authed(n4.port, 'CLUSTER', 'FAILOVER'), 'OK');
    assert.equal((await cluster.info(added)).cairn_role, 'leader');
    assert.match(String(await authed(n4.port, 'CLUSTER', 'FAILOVER')), /^ERR:ERR this node already leads/);

    // Removing the leader itself, sent to a follower: followed to n4, which hands over first.
    const remove = await cairn(['cluster', 'remove', n4.id, ...via]);
    assert.equal(remove.code, 0, remove.stderr);
    assert.match(remove.stdout, /removed n4/);
    const after = await waitFor('a leader among the three', async () => {
      const info = await cluster.info(leader);
      return info.cairn_leader !== '' && info.cairn_leader !== n4.id ? info : undefined;
    }, 10_000);
    assert.equal(after.cairn_members, 'n1,n2,n3');
    assert.equal((await cluster.info(added)).cairn_role, 'removed');
    assert.equal(await authed(follower.port, 'SET', 'still', 'writing'), 'OK');

    const unknown = await cairn(['cluster', 'remove', 'nobody', ...via]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /nobody is not a member/);
    const wrongPassword = await cairn(['cluster', 'members', '-p', String(follower.port), '-a', 'wrong']);
    assert.equal(wrongPassword.code, 1);
    const unreachable = await cairn(['cluster', 'members', '-p', String(await freePort())]);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /Could not connect/);
  } finally {
    await cluster.cleanup();
  }
});

test('cairn cluster: bad usage exits 2 with the usage text; a node that never answers exits 1', async () => {
  for (const args of [['cluster'], ['cluster', 'frobnicate'], ['cluster', 'add', 'n5'], ['cluster', 'remove'], ['cluster', 'add', 'n5', '--peer', 'nohost', '--client', '127.0.0.1:1'], ['cluster', 'members', '--timeout-ms', 'soon']]) {
    const run = await cairn(args);
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, /usage: cairn cluster/);
  }
  // A node that accepts and never answers: the call gives up after --timeout-ms, exit 1.
  const silent = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const port = (silent.address() as AddressInfo).port;
    const hung = await cairn(['cluster', 'members', '-p', String(port), '--timeout-ms', '500']);
    assert.equal(hung.code, 1, hung.stderr);
    assert.match(hung.stderr, /no answer from 127\.0\.0\.1:\d+ within 500 ms/);
  } finally {
    silent.close();
  }
  const help = await cairn(['cluster', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /transfer ID/);
});

// The cluster state machine without processes: CAIRN.MEMBER entries change the address book and
// never reach kv; a snapshot carries book and kv together, deterministically; a kv-only snapshot
// (the format before the book was replicated) still restores; a damaged one changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCairnError } from '../../src/lib/errors.js';
import { encodeEntry } from '../../src/kv/entry.js';
import { ClusterMachine } from '../../src/runtime/cluster/machine.js';
import { MemberDirectory, type MemberChange } from '../../src/runtime/cluster/members.js';
import { NodeDisk } from '../../src/runtime/disk.js';

const disk = new NodeDisk();
const peers = new Map([['n1', '127.0.0.1:17001'], ['n2', '127.0.0.1:17002']]);
const clients = new Map([['n1', { host: '127.0.0.1', port: 7001 }], ['n2', { host: '127.0.0.1', port: 7002 }]]);

function entry(...argv: string[]): Uint8Array {
  return encodeEntry({ nowMs: 1_000, commands: [argv.map((a) => Buffer.from(a))] });
}

/** Saves of members.json under way; a test awaits them before it removes its folders. */
const saves: Promise<void>[] = [];

async function machineIn(dir: string, self: string, changes: (MemberChange | 'restored')[] = []): Promise<ClusterMachine> {
  const book = await MemberDirectory.load(disk, dir, self, peers, clients);
  return new ClusterMachine(book, (change, saved) => {
    changes.push(change);
    saves.push(saved);
  });
}

test('CAIRN.MEMBER changes the book, and the snapshot carries book and kv to another node', async () => {
  const base = await mkdtemp(join(tmpdir(), 'cairn-machine-'));
  try {
    const changes: (MemberChange | 'restored')[] = [];
    await mkdir(join(base, 'a'));
    await mkdir(join(base, 'b'));
    const leader = await machineIn(join(base, 'a'), 'n1', changes);
    assert.deepEqual(leader.apply(entry('SET', 'k', 'v'), 1), [{ type: 'simple', value: 'OK' }]);
    assert.deepEqual(leader.apply(entry('CAIRN.MEMBER', 'n3', '127.0.0.1:17003', '127.0.0.1:7003'), 2), [{ type: 'simple', value: 'OK' }]);
    assert.equal(leader.book.peers.get('n3'), '127.0.0.1:17003');
    assert.deepEqual(leader.book.clients.get('n3'), { host: '127.0.0.1', port: 7003 });
    assert.equal(changes.length, 1);
    const snapshot = leader.snapshot();
    const follower = await machineIn(join(base, 'b'), 'n2');
    follower.restore(snapshot);
    assert.equal(follower.book.peers.get('n3'), '127.0.0.1:17003');
    assert.deepEqual(follower.book.clients.get('n2'), { host: '127.0.0.1', port: 7002 }, 'its own entry from its flags');
    assert.deepEqual(Buffer.from(follower.snapshot()), Buffer.from(snapshot), 'equal states give equal bytes');
    assert.deepEqual(follower.state.execute([Buffer.from('GET'), Buffer.from('k')], 1_000), { type: 'bulk', value: Buffer.from('v') });
    // The book is saved beside the data for the next start.
    await waitForFile(join(base, 'b', 'members.json'), 'n3');
    const reloaded = await MemberDirectory.load(disk, join(base, 'b'), 'n2', peers, clients);
    assert.equal(reloaded.peers.get('n3'), '127.0.0.1:17003');
    // Forgetting a member after its removal.
    assert.deepEqual(follower.apply(entry('CAIRN.MEMBER', 'n3'), 3), [{ type: 'simple', value: 'OK' }]);
    assert.equal(follower.book.peers.has('n3'), false);
    assert.deepEqual([...follower.book.removed], ['n3'], 'a forgotten id is remembered as removed');
    const third = await machineIn(join(base, 'a'), 'n1');
    third.restore(follower.snapshot());
    assert.deepEqual([...third.book.removed], ['n3'], 'the removed ids travel in the snapshot');
    await Promise.all(saves.splice(0));
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});

test('a kv-only snapshot restores kv and leaves the book; a damaged one changes nothing', async () => {
  const base = await mkdtemp(join(tmpdir(), 'cairn-machine-'));
  try {
    const machine = await machineIn(base, 'n1');
    machine.apply(entry('SET', 'old', 'format'), 1);
    const kvOnly = machine.state.encodeSnapshot();
    const fresh = await machineIn(base, 'n1');
    fresh.restore(kvOnly);
    assert.deepEqual(fresh.state.execute([Buffer.from('GET'), Buffer.from('old')], 1_000), { type: 'bulk', value: Buffer.from('format') });
    assert.deepEqual([...fresh.book.peers.keys()], ['n1', 'n2']);

    const good = Buffer.from(machine.snapshot());
    const badBook = Buffer.from(good);
    badBook[16] = '!'.charCodeAt(0);
    for (const bad of [Buffer.from('garbage'), badBook, good.subarray(0, 20)]) {
      assert.throws(() => fresh.restore(bad), (error: unknown) => isCairnError(error, 'CAIRN_CORRUPT'));
      assert.deepEqual(fresh.state.execute([Buffer.from('GET'), Buffer.from('old')], 1_000), { type: 'bulk', value: Buffer.from('format') });
      assert.deepEqual([...fresh.book.peers.keys()], ['n1', 'n2']);
    }
    await Promise.all(saves.splice(0));
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});

async function waitForFile(file: string, needle: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const text = await readFile(file, 'utf8').catch(() => '');
    if (text.includes(needle)) return;
    if (Date.now() > deadline) throw new Error(`${file} never held ${needle}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// The address book's client addresses without processes: a member's address is known only once
// announced (nothing guessed), this node's own is served from its flags and counts as announced
// only when the replicated book holds it as served, --client-addrs overrides win over what a member
// announces, an announcement for a removed id changes nothing, and a snapshot carries only what was
// announced (so every node's snapshot of one state is the same bytes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemberDirectory } from '../../src/runtime/cluster/members.js';
import { NodeDisk } from '../../src/runtime/disk.js';

const disk = new NodeDisk();

const peers = new Map([['n1', '127.0.0.1:17001'], ['n2', '127.0.0.1:17002'], ['n3', '127.0.0.1:17003']]);
const set = (id: string, port: number) => ({ kind: 'set', id, peer: peers.get(id)!, client: { host: '127.0.0.1', port } }) as const;

async function withDirs(run: (dir: (name: string) => Promise<string>) => Promise<void>): Promise<void> {
  const base = await mkdtemp(join(tmpdir(), 'cairn-members-'));
  try {
    await run(async (name) => {
      const dir = join(base, name);
      await mkdir(dir);
      return dir;
    });
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

test('addresses are known once announced; own from the flags; overrides win; removed ids stay out', async () => {
  await withDirs(async (dir) => {
    const own = new Map([['n1', { host: '127.0.0.1', port: 9001 }], ['n3', { host: 'proxy.example', port: 9903 }]]);
    const book = await MemberDirectory.load(disk, await dir('a'), 'n1', peers, own);
    assert.deepEqual([...book.clients.keys()].sort(), ['n1', 'n3'], 'n2 announced nothing: unknown, not guessed');
    assert.equal(book.ownClientAnnounced(), false);
    await book.apply(set('n1', 5555));
    assert.equal(book.ownClientAnnounced(), false, 'the book holds an old address of this node');
    assert.deepEqual(book.clients.get('n1'), { host: '127.0.0.1', port: 9001 }, 'it serves on its flags\' address meanwhile');
    await book.apply(set('n1', 9001));
    assert.equal(book.ownClientAnnounced(), true);
    await book.apply(set('n2', 9002));
    await book.apply(set('n3', 9003));
    assert.deepEqual(book.clients.get('n2'), { host: '127.0.0.1', port: 9002 });
    assert.deepEqual(book.clients.get('n3'), { host: 'proxy.example', port: 9903 }, 'the --client-addrs override wins');
    assert.deepEqual(book.announcedClient('n3'), { host: '127.0.0.1', port: 9003 });
    await book.apply({ kind: 'forget', id: 'n2' });
    await book.apply(set('n2', 9012));
    assert.equal(book.clients.has('n2'), false, 'an announcement racing the removal changes nothing');
    assert.equal(book.peers.has('n2'), false);
  });
});

test('a snapshot holds the announced addresses only, the same bytes on every node', async () => {
  await withDirs(async (dir) => {
    const a = await MemberDirectory.load(disk, await dir('a'), 'n1', peers, new Map([['n1', { host: '127.0.0.1', port: 9001 }]]));
    const b = await MemberDirectory.load(disk, await dir('b'), 'n2', peers, new Map([['n2', { host: '127.0.0.1', port: 9002 }], ['n1', { host: 'proxy.example', port: 1 }]]));
    for (const book of [a, b]) await book.apply(set('n1', 9001));
    assert.deepEqual(Buffer.from(a.encode()), Buffer.from(b.encode()));
    assert.deepEqual(JSON.parse(Buffer.from(a.encode()).toString()).clients, { n1: '127.0.0.1:9001' });
    const c = await MemberDirectory.load(disk, await dir('c'), 'n3', peers, new Map([['n3', { host: '127.0.0.1', port: 9003 }]]));
    await c.restore(a.encode());
    assert.deepEqual(c.clients.get('n1'), { host: '127.0.0.1', port: 9001 });
    assert.equal(c.clients.has('n2'), false);
    assert.equal(c.ownClientAnnounced(), false);
  });
});

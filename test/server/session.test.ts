// Session ordering without sockets, against a fake backend whose writes resolve only when told:
// pipelined writes are gathered into one entry, a read waits for the writes before it, a write
// after that read waits for the read, and EXEC is one entry of its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CairnError } from '../../src/lib/errors.js';
import type { Reply } from '../../src/lib/reply.js';
import type { Backend, WriteEntry } from '../../src/server/backend.js';
import { CommandTable } from '../../src/server/command-table.js';
import { serverCommands } from '../../src/server/server-commands.js';
import { Session } from '../../src/server/session.js';
import { barePeer, bareSession } from './session-helpers.js';
import { KV_COMMANDS } from '../../src/kv/commands.js';
import { KvState } from '../../src/kv/state.js';
import { applyDecoded } from '../../src/kv/entry.js';

class ManualBackend implements Backend {
  readonly state = new KvState();
  readonly issued: WriteEntry[] = [];
  private readonly waiting: (() => void)[] = [];
  write(entry: WriteEntry): Promise<Reply[]> {
    this.issued.push(entry);
    return new Promise((resolve) => this.waiting.push(() => resolve(applyDecoded(this.state, { nowMs: 1_000, ...entry }))));
  }
  /** Lets every issued write land, in issue order. */
  async releaseAll(): Promise<void> {
    while (this.waiting.length > 0) this.waiting.shift()!();
    for (let i = 0; i < 10; i++) await Promise.resolve();
  }
  read(argv: readonly Uint8Array[]): Reply {
    return this.state.execute(argv, 1_000);
  }
  keyVersion(key: Uint8Array, _consistency?: 'linearizable' | 'local'): number | Promise<number> {
    return this.state.keyVersion(Buffer.from(key).toString('latin1'));
  }
  keyspace() {
    return { keys: this.state.keyCount };
  }
  persistenceInfo() {
    return [];
  }
  async close(): Promise<void> {}
}


const argv = (...words: string[]) => words.map((w) => Buffer.from(w));
/** Bulk values as text, integers as numbers, arrays recursively: Buffer vs Uint8Array does not matter. */
function plain(reply: Reply): unknown {
  if (reply.type === 'bulk') return Buffer.from(reply.value).toString();
  if (reply.type === 'integer') return Number(reply.value);
  if (reply.type === 'array') return reply.items.map(plain);
  return reply;
}
const settle = async (replies: (Reply | Promise<Reply>)[]) => Promise.all(replies);

test('pipelined writes become one entry; a read waits for it', async () => {
  const backend = new ManualBackend();
  const s = bareSession(backend);
  const replies = [];
  for (let i = 0; i < 16; i++) replies.push(s.execute(argv('SET', `k${i}`, String(i))));
  replies.push(s.execute(argv('INCR', 'k0')));
  replies.push(s.execute(argv('GET', 'k15')));
  assert.equal(backend.issued.length, 1, 'the read issued the gathered writes as one entry');
  assert.equal(backend.issued[0]!.commands.length, 17);
  await backend.releaseAll();
  const settled = (await settle(replies)).map(plain);
  assert.deepEqual(settled.slice(15), [{ type: 'simple', value: 'OK' }, 1, '15']);
});

test('the end of a turn issues gathered writes; big ones get entries of their own', async () => {
  const backend = new ManualBackend();
  const s = bareSession(backend);
  const big = 'x'.repeat(3 * 1024 * 1024);
  const replies = [s.execute(argv('SET', 'a', big)), s.execute(argv('SET', 'b', big)), s.execute(argv('SET', 'c', '1'))];
  assert.equal(backend.issued.length, 1, 'the first entry was issued when the second would not fit');
  s.flushWrites();
  assert.deepEqual(backend.issued.map((e) => e.commands.length), [1, 2]);
  await backend.releaseAll();
  assert.equal((await settle(replies)).length, 3);
  s.settled();
});

test('a write after a read waits until the read has run', async () => {
  const backend = new ManualBackend();
  const s = bareSession(backend);
  const first = s.execute(argv('SET', 'k', 'old'));
  const read = s.execute(argv('GET', 'k'));
  const second = s.execute(argv('SET', 'k', 'new'));
  s.flushWrites();
  assert.equal(backend.issued.length, 1, 'the second write is held behind the read');
  await backend.releaseAll();
  assert.equal(backend.issued.length, 2);
  await backend.releaseAll();
  const [, got] = await settle([first, read, second]);
  assert.equal(plain(got!), 'old');
});

test('EXEC sends the queue as one entry with the versions WATCH read', async () => {
  const backend = new ManualBackend();
  const s = bareSession(backend);
  const replies = [
    s.execute(argv('SET', 'w', '1')),
    s.execute(argv('WATCH', 'w')),
    s.execute(argv('MULTI')),
    s.execute(argv('INCR', 'w')),
    s.execute(argv('GET', 'w')),
    s.execute(argv('EXEC')),
  ];
  await backend.releaseAll();
  await backend.releaseAll();
  const settled = await settle(replies);
  assert.equal(backend.issued.length, 2);
  const exec = backend.issued[1]!;
  assert.equal(exec.commands.length, 2);
  assert.equal(exec.watches.length, 1);
  assert.equal(exec.watches[0]!.version, backend.state.keyVersion('w') - 1);
  assert.deepEqual(plain(settled.at(-1)!), [2, '2']);
});

/** Reads versions as of a later time than it applies entries: keys set with a short TTL read as expired. */
class ExpiredReadBackend extends ManualBackend {
  override keyVersion(key: Uint8Array): number {
    return this.state.keyVersion(Buffer.from(key).toString('latin1'), 5_000);
  }
}

test('WATCH of a key expired but not yet removed (a negative version) is a watch like any other', async () => {
  // The versions were -2 (taken for a failed WATCH: EXECABORT) and -3 (an assertion closed the connection).
  for (const keys of [['w'], ['w', 'v']]) {
    const backend = new ExpiredReadBackend();
    const s = bareSession(backend);
    const sets = keys.map((key) => s.execute(argv('SET', key, '1', 'PX', '100')));
    s.flushWrites();
    await backend.releaseAll();
    await settle(sets);
    const replies = [s.execute(argv('WATCH', keys.at(-1)!)), s.execute(argv('MULTI')), s.execute(argv('INCR', 'n')), s.execute(argv('EXEC'))];
    await backend.releaseAll();
    await backend.releaseAll();
    const settled = await settle(replies);
    assert.deepEqual(backend.issued.at(-1)!.watches.map((w) => w.version), [-keys.length - 1]);
    assert.deepEqual(settled.at(-1), { type: 'nullArray' }, 'the entry aborted: the key\'s version where it was applied differs');
  }
});

test('a write the backend cannot make durable is an error reply, never an OK', async () => {
  const backend = new ManualBackend();
  backend.write = async () => {
    throw new Error('disk full');
  };
  const s = bareSession(backend);
  const replies = [s.execute(argv('SET', 'a', '1')), s.execute(argv('INCR', 'b')), s.execute(argv('GET', 'a'))];
  const settled = await settle(replies);
  assert.deepEqual(settled.slice(0, 2), [
    { type: 'error', message: 'ERR disk full' },
    { type: 'error', message: 'ERR disk full' },
  ]);
  assert.equal(settled[2]!.type, 'null');
});

test('a write that found no leader answers CLUSTERDOWN: once for EXEC (as any failed EXEC), once per gathered command', async () => {
  const backend = new ManualBackend();
  backend.write = async () => {
    throw new CairnError('CAIRN_CLUSTER_DOWN', 'no leader within 3000 ms');
  };
  const down: Reply = { type: 'error', message: 'CLUSTERDOWN The cluster is down' };
  const s = bareSession(backend);
  const queued = [s.execute(argv('MULTI')), s.execute(argv('SET', 'a', '1')), s.execute(argv('INCR', 'b')), s.execute(argv('GET', 'a'))];
  assert.deepEqual(plain((await settle(queued)).at(-1)!), { type: 'simple', value: 'QUEUED' });
  assert.deepEqual(await s.execute(argv('EXEC')), down);
  const gathered = [s.execute(argv('SET', 'a', '1')), s.execute(argv('INCR', 'b'))];
  s.flushWrites();
  assert.deepEqual(await settle(gathered), [down, down]);
});

test('CLUSTER inside MULTI runs when the entry lands; only kv commands go in the entry', async () => {
  const backend = new ManualBackend();
  const clusterInfo: Reply = { type: 'bulk', value: Buffer.from('cluster_state:ok') };
  const read = backend.read.bind(backend);
  backend.read = (args) => (Buffer.from(args[0]!).toString().toLowerCase() === 'cluster' ? clusterInfo : read(args));
  const context = bareSession(backend).context;
  const table = new CommandTable([...KV_COMMANDS.values(), { name: 'cluster', arity: -2, flags: ['stale'], firstKey: 0, lastKey: 0, keyStep: 0, group: 'cluster', since: '3.0.0', summary: '', complexity: '' }], serverCommands);
  const s = new Session(2, { ...context, table }, barePeer);
  for (const words of [['MULTI'], ['SET', 'k', 'v'], ['CLUSTER', 'INFO'], ['GET', 'k']]) await s.execute(argv(...words));
  const exec = s.execute(argv('EXEC'));
  await backend.releaseAll();
  assert.deepEqual(backend.issued.map((entry) => entry.commands.map((c) => c.map((a) => Buffer.from(a).toString()))), [[['SET', 'k', 'v'], ['GET', 'k']]]);
  assert.deepEqual(plain(await exec), [{ type: 'simple', value: 'OK' }, 'cluster_state:ok', 'v']);
});

/** A follower's view: writes land on the leader's state at once; the local state lags until caught up. */
class LaggingFollowerBackend extends ManualBackend {
  readonly leader = new KvState();
  consistencies: (string | undefined)[] = [];
  failVersions = false;
  override write(entry: WriteEntry): Promise<Reply[]> {
    this.issued.push(entry);
    return Promise.resolve(applyDecoded(this.leader, { nowMs: 1_000, ...entry }));
  }
  override keyVersion(key: Uint8Array, consistency?: 'linearizable' | 'local'): number | Promise<number> {
    this.consistencies.push(consistency);
    const binaryKey = Buffer.from(key).toString('latin1');
    if (consistency === 'local') return this.state.keyVersion(binaryKey);
    if (this.failVersions) return Promise.reject(new CairnError('CAIRN_CLUSTER_DOWN', 'no leader'));
    return Promise.resolve(this.leader.keyVersion(binaryKey));
  }
}

test('WATCH on a lagging follower reads the version linearizably, so the client\'s own relayed write does not abort its EXEC', async () => {
  const backend = new LaggingFollowerBackend();
  const s = bareSession(backend);
  const replies = [s.execute(argv('SET', 'w', '1')), s.execute(argv('WATCH', 'w')), s.execute(argv('MULTI')), s.execute(argv('INCR', 'w')), s.execute(argv('EXEC'))];
  const settled = await settle(replies);
  assert.deepEqual(backend.consistencies, ['linearizable']);
  assert.equal(backend.issued[1]!.watches[0]!.version, backend.leader.keyVersion('w') - 1, 'the version after the own write, before the INCR');
  assert.notEqual(backend.issued[1]!.watches[0]!.version, backend.state.keyVersion('w'), 'not the lagging local version');
  assert.deepEqual(plain(settled.at(-1)!), [2]);
});

test('WATCH after READONLY reads the local version; a version no leader confirms is CLUSTERDOWN and watches nothing', async () => {
  const backend = new LaggingFollowerBackend();
  const s = bareSession(backend);
  await settle([s.execute(argv('READONLY')), s.execute(argv('WATCH', 'a'))]);
  assert.deepEqual(backend.consistencies, ['local']);
  const fresh = new LaggingFollowerBackend();
  fresh.failVersions = true;
  const t = bareSession(fresh);
  const [watch] = await settle([t.execute(argv('WATCH', 'b'))]);
  assert.match(String((watch as { message?: string }).message), /^CLUSTERDOWN/);
  assert.equal(t.watchCount, 0);
});

for (const queued of [['GET', 'b'], ['SET', 'b', '1']]) {
  test(`a WATCH that failed aborts the ${queued[0] === 'GET' ? 'read-only' : 'writing'} EXEC pipelined behind it, with an error (a fuzz run crashed a node here)`, async () => {
    const backend = new LaggingFollowerBackend();
    backend.failVersions = true;
    const s = bareSession(backend);
    // The EXEC is parsed before the WATCH's version read fails, so it holds the watch that failed.
    const replies = [s.execute(argv('WATCH', 'b')), s.execute(argv('MULTI')), s.execute(argv(...queued)), s.execute(argv('EXEC'))];
    const settled = await settle(replies);
    assert.match(String((settled[0] as { message?: string }).message), /^CLUSTERDOWN/);
    assert.deepEqual(settled[3], { type: 'error', message: 'EXECABORT Transaction discarded because a WATCH before it failed' });
    assert.equal(backend.issued.length, 0, 'nothing was written');
    // The session is usable afterwards: the failed key is not watched, a new transaction runs.
    backend.failVersions = false;
    const again = await settle([s.execute(argv('MULTI')), s.execute(argv(...queued)), s.execute(argv('EXEC'))]);
    assert.equal(again[2]!.type, 'array');
  });
}

test('a read-only EXEC compares a WATCH version only once its read has landed, whatever the connection says of the turn (a loaded fuzz run reached the assertion)', async () => {
  class SlowVersionBackend extends ManualBackend {
    readonly pendingVersions: (() => void)[] = [];
    override keyVersion(key: Uint8Array): Promise<number> {
      const version = this.state.keyVersion(Buffer.from(key).toString('latin1'));
      return new Promise((resolve) => this.pendingVersions.push(() => resolve(version)));
    }
  }
  const backend = new SlowVersionBackend();
  const s = bareSession(backend);
  const watch = s.execute(argv('WATCH', 'a'));
  // The connection reports the turn settled while the WATCH's read is still out: the ordering of
  // later commands behind it is then lost, and only the watch's own read can hold EXEC back.
  s.settled();
  const replies = [s.execute(argv('MULTI')), s.execute(argv('GET', 'a')), s.execute(argv('EXEC'))];
  for (let i = 0; i < 10; i++) await Promise.resolve();
  // Reads are answered newest first: had the EXEC read already, its version would land before
  // the WATCH's (a backend may answer reads out of order; on a real node the WATCH's continuation
  // runs a few microtasks after its read).
  for (let round = 0; round < 10 && backend.pendingVersions.length > 0; round++) {
    while (backend.pendingVersions.length > 0) backend.pendingVersions.pop()!();
    for (let i = 0; i < 10; i++) await Promise.resolve();
  }
  const settled = await settle([watch, ...replies]);
  assert.deepEqual(settled[0], { type: 'simple', value: 'OK' });
  assert.equal(settled[3]!.type, 'array', 'the transaction ran, with the version WATCH read');
});

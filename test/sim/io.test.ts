import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../src/lib/prng.js';
import { isCairnError } from '../../src/lib/errors.js';
import { Scheduler } from '../../src/sim/scheduler.js';
import { SimClock } from '../../src/sim/clock.js';
import { SimDisk } from '../../src/sim/disk.js';
import { SimNetwork } from '../../src/sim/network.js';
import { Trace } from '../../src/sim/trace.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));

/** Runs an async scenario to completion inside the simulation. */
async function sim<T>(scheduler: Scheduler, body: () => Promise<T>): Promise<T> {
  let result: { value: T } | undefined;
  let failure: unknown;
  body().then((value) => (result = { value }), (e: unknown) => (failure = e ?? new Error('rejected')));
  await scheduler.runUntil(Infinity, () => result !== undefined || failure !== undefined, 100_000);
  if (failure !== undefined) throw failure;
  assert.ok(result !== undefined, 'scenario did not finish');
  return result.value;
}

test('scheduler fires by time, then by insertion order, and clock timers can be cancelled', async () => {
  const scheduler = new Scheduler();
  const clock = new SimClock(scheduler, 'n1');
  const fired: string[] = [];
  clock.setTimer(5, () => fired.push('b'));
  clock.setTimer(1, () => fired.push('a'));
  clock.setTimer(5, () => fired.push('c'));
  const cancelled = clock.setTimer(3, () => fired.push('x'));
  cancelled.cancel();
  await scheduler.runUntil(Infinity, () => false, 100);
  assert.deepEqual(fired, ['a', 'b', 'c']);
  assert.equal(clock.monotonicMs(), 5);
  clock.kill();
  clock.setTimer(1, () => fired.push('dead'));
  await scheduler.runUntil(Infinity, () => false, 100);
  assert.deepEqual(fired, ['a', 'b', 'c']);
});

test('SimDisk: synced bytes survive a crash, unsynced ones are cut to a prefix', async () => {
  for (let seed = 1; seed <= 50; seed++) {
    const scheduler = new Scheduler();
    const disk = new SimDisk(scheduler, new Prng(seed));
    await sim(scheduler, async () => {
      await disk.mkdirp('/d');
      const f = await disk.openFile('/d/log');
      await f.append(enc('durable;'));
      await f.sync();
      await disk.syncDir('/d');
      await f.append(enc('lost-maybe;'));
      await f.append(enc('tail'));
    });
    const report = disk.crash(true);
    const after = dec(await sim(scheduler, () => disk.readFile('/d/log'))) ?? '';
    assert.ok(after.startsWith('durable;'), `seed ${seed}: synced prefix kept, got ${after}`);
    assert.ok('durable;lost-maybe;tail'.startsWith(after), `seed ${seed}: only a prefix of the writes survives, got ${after}`);
    assert.ok(report.tornWrites <= 1);
  }
});

test('SimDisk: a created file without syncDir can vanish; renames are atomic after syncDir', async () => {
  let vanished = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const scheduler = new Scheduler();
    const disk = new SimDisk(scheduler, new Prng(seed));
    await sim(scheduler, async () => {
      await disk.mkdirp('/d');
      const f = await disk.openFile('/d/new');
      await f.append(enc('x'));
      await f.sync();
      const t = await disk.openFile('/d/snap.tmp');
      await t.append(enc('snapshot'));
      await t.sync();
      await disk.rename('/d/snap.tmp', '/d/snap');
      await disk.syncDir('/d');
      await disk.remove('/d/snap');
    });
    disk.crash(false);
    const names = await sim(scheduler, () => disk.list('/d'));
    assert.ok(!names.includes('snap.tmp'), `seed ${seed}: the rename was made durable`);
    const snap = dec(await sim(scheduler, () => disk.readFile('/d/snap')));
    assert.ok(snap === undefined || snap === 'snapshot');
    if (!names.includes('new')) vanished++;
  }
  assert.equal(vanished, 0, 'new was covered by the later syncDir');
  const scheduler = new Scheduler();
  const disk = new SimDisk(scheduler, new Prng(3));
  let lost = 0;
  for (let round = 0; round < 20; round++) {
    await sim(scheduler, async () => {
      await disk.mkdirp('/e');
      const f = await disk.openFile(`/e/f${round}`);
      await f.append(enc('x'));
      await f.sync();
    });
    disk.crash(false);
    if ((await sim(scheduler, () => disk.readFile(`/e/f${round}`))) === undefined) lost++;
  }
  assert.ok(lost > 0, 'an unsynced folder entry is sometimes lost');
});

test('SimDisk: a crash strands the dead process and releases its lock', async () => {
  const scheduler = new Scheduler();
  const disk = new SimDisk(scheduler, new Prng(9));
  const lock = await sim(scheduler, async () => {
    await disk.mkdirp('/d');
    return disk.lock('/d');
  });
  await assert.rejects(sim(scheduler, () => disk.lock('/d')), (e: unknown) => isCairnError(e, 'CAIRN_LOCKED'));
  const f = await sim(scheduler, () => disk.openFile('/d/a'));
  let settled = false;
  f.sync().then(() => (settled = true), () => (settled = true));
  disk.crash(true);
  await scheduler.runUntil(Infinity, () => false, 1000);
  assert.equal(settled, false, 'an operation of the dead process never completes');
  await lock.release();
  await sim(scheduler, () => disk.lock('/d'));
});

test('SimNetwork: symmetric and one-way partitions, isolation, heal, and cloning', async () => {
  const scheduler = new Scheduler();
  const net = new SimNetwork<{ n: number; body: Uint8Array }>(scheduler, new Prng(1), new Trace(100), (m) => `#${m.n}`);
  const ids = ['a', 'b', 'c'];
  const got: string[] = [];
  const transports = new Map(ids.map((id) => [id, net.attach(id)]));
  for (const id of ids) transports.get(id)?.onReceive((from, m) => got.push(`${from}>${id}#${m.n}`));
  const send = async (from: string, to: string, n: number): Promise<void> => {
    transports.get(from)?.send(to, { n, body: enc('hi') });
    await scheduler.runUntil(Infinity, () => false, 1000);
  };
  net.partition([['a'], ['b', 'c']]);
  await send('a', 'b', 1);
  await send('b', 'c', 2);
  await send('c', 'a', 3);
  net.heal();
  net.blockOneWay('a', 'b');
  await send('a', 'b', 4);
  await send('b', 'a', 5);
  net.heal();
  net.isolate('c', ids);
  await send('c', 'b', 6);
  await send('a', 'b', 7);
  assert.deepEqual(got, ['b>c#2', 'b>a#5', 'a>b#7']);
  const sent = { n: 8, body: enc('x') };
  let received: { n: number; body: Uint8Array } | undefined;
  const d = net.attach('d');
  d.onReceive((_from, m) => (received = m));
  transports.get('a')?.send('d', sent);
  sent.body[0] = 0;
  await scheduler.runUntil(Infinity, () => false, 1000);
  assert.ok(received !== undefined && received !== sent);
  assert.equal(received.body[0], 'x'.charCodeAt(0), 'the receiver got a copy taken at send time');
});

test('SimNetwork: loss and duplication follow the configured rates and the seed', async () => {
  const run = async (seed: number): Promise<number[]> => {
    const scheduler = new Scheduler();
    const net = new SimNetwork<number>(scheduler, new Prng(seed), new Trace(10), String);
    net.setDefaults({ delayMinMs: 0, delayMaxMs: 20, lossProbability: 0.2, duplicateProbability: 0.2 });
    const a = net.attach('a');
    const b = net.attach('b');
    const got: number[] = [];
    b.onReceive((_f, m) => got.push(m));
    for (let i = 0; i < 1000; i++) a.send('b', i);
    await scheduler.runUntil(Infinity, () => false, 10_000);
    return got;
  };
  const got = await run(5);
  assert.ok(got.length > 850 && got.length < 1100, `about 0.8 * 1.2 * 1000 delivered, got ${got.length}`);
  assert.ok(got.some((m, i) => i > 0 && m < (got[i - 1] as number)), 'some messages were reordered');
  assert.deepEqual(await run(5), got, 'one seed, one run');
});

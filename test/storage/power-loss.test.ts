// Power loss while a whole file is replaced, on the simulator's disk (which keeps only what was
// synced, a random prefix of the rest, and possibly a torn last write). For each file Cairn
// replaces whole — the hard state, a snapshot (in one append or many), the cluster identity, the address book — a crash
// after every step of the write leaves the old version or the new one, never nothing and never a
// torn file, and a crash right after the write resolved always leaves the new one. Control runs
// drop the fsyncs the identity (folder) and the address book (file and folder) used to skip, and
// show that the check catches the losses that caused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Disk } from '../../src/io/disk.js';
import { Prng } from '../../src/lib/prng.js';
import { checkClusterId, saveClusterId } from '../../src/runtime/cluster/identity.js';
import { MemberDirectory } from '../../src/runtime/cluster/members.js';
import { SimDisk } from '../../src/sim/disk.js';
import { Scheduler, settle } from '../../src/sim/scheduler.js';
import { loadHardState, saveHardStateDurably } from '../../src/storage/hard-state.js';
import { loadNewestSnapshot, writeSnapshotDurably } from '../../src/storage/snapshot.js';
import { settleOn, withFileSync } from '../support/sim-helpers.js';

const DIR = '/data';
const SEEDS = 30;
const CRASH_POINTS_MAX = 500;

/** A replaced file: write version 1 or 2 (durable when it resolves); read says 'none', 'v1' or 'v2', or throws when damaged. */
interface Subject {
  readonly name: string;
  write(disk: Disk, version: 1 | 2): Promise<void>;
  read(disk: Disk): Promise<string>;
}

const hardState: Subject = {
  name: 'hard state',
  write: (disk, version) => saveHardStateDurably(disk, DIR, { term: version, votedFor: `n${version}`, commitIndex: version }),
  read: async (disk) => {
    const state = await loadHardState(disk, DIR);
    return state.term === 0 ? 'none' : `v${state.term}`;
  },
};

const snapshot: Subject = {
  name: 'snapshot',
  write: async (disk, version) => {
    await writeSnapshotDurably(disk, DIR, { index: version * 10, term: version, config: Buffer.from('n1'), state: Buffer.alloc(3000, version) });
  },
  read: async (disk) => {
    const { snapshot: newest, skipped } = await loadNewestSnapshot(disk, DIR);
    if (skipped.length > 0) throw new Error(`damaged snapshot ${skipped[0]!.path}: ${skipped[0]!.reason}`);
    return newest === null ? 'none' : `v${newest.index / 10}`;
  },
};

// A snapshot of several chunks: the state goes to the temp file in five appends (a crash may keep
// any prefix of them, the last one torn), and still only the old or the new snapshot is ever seen.
const chunkedSnapshot: Subject = {
  name: 'snapshot written in chunks',
  write: async (disk, version) => {
    const pace = { chunkBytes: 700, yieldTurn: () => Promise.resolve() };
    await writeSnapshotDurably(disk, DIR, { index: version * 10, term: version, config: Buffer.from('n1'), state: Buffer.alloc(3000, version) }, pace);
  },
  read: snapshot.read,
};

const identity: Subject = {
  name: 'cluster identity',
  write: (disk, version) => saveClusterId(disk, DIR, { clusterId: `cairn-v${version}`, nodeId: 'n1' }),
  read: async (disk) => {
    const { clusterId, saved } = await checkClusterId(disk, DIR, { clusterId: 'cairn-flags', nodeId: 'n1' }, false);
    return saved ? clusterId.replace('cairn-', '') : 'none';
  },
};

// The flags name only this node, so a missing members.json reads as 'none'; version 1 adds n2, version 2 n3.
const flagPeers = new Map([['n1', '127.0.0.1:17001']]);
const flagClients = new Map([['n1', { host: '127.0.0.1', port: 7001 }]]);
const addressBook: Subject = {
  name: 'address book',
  write: async (disk, version) => {
    const book = await MemberDirectory.load(disk, DIR, 'n1', flagPeers, flagClients);
    const id = `n${version + 1}`;
    await book.apply({ kind: 'set', id, peer: `127.0.0.1:1700${version + 1}`, client: { host: '127.0.0.1', port: 7001 + version } });
  },
  read: async (disk) => {
    const ids = [...(await MemberDirectory.load(disk, DIR, 'n1', flagPeers, flagClients)).peers.keys()].sort().join(',');
    const versions: Record<string, string> = { n1: 'none', 'n1,n2': 'v1', 'n1,n2,n3': 'v2' };
    return versions[ids] ?? `unexpected ${ids}`;
  },
};

/** Crashes the machine after `events` disk completions of the write from `from` to `from + 1`; what is on disk then. */
async function crashDuringWrite(subject: Subject, seed: number, from: 0 | 1, events: number, writeDisk: (disk: Disk) => Disk): Promise<{ resolved: boolean; after: string }> {
  const scheduler = new Scheduler();
  const disk = new SimDisk(scheduler, new Prng(seed));
  await settleOn(scheduler, disk.mkdirp(DIR));
  if (from === 1) await settleOn(scheduler, subject.write(disk, 1));
  let resolved = false;
  let failure: unknown;
  subject.write(writeDisk(disk), from === 0 ? 1 : 2).then(() => (resolved = true), (error: unknown) => (failure = error));
  if (events === 0) await settle();
  else await scheduler.runUntil(Infinity, () => resolved || failure !== undefined, events);
  assert.equal(failure, undefined, `${subject.name}: the write failed`);
  disk.crash(true);
  try {
    return { resolved, after: await settleOn(scheduler, subject.read(disk)) };
  } catch (error) {
    return { resolved, after: `damaged (${error instanceof Error ? error.message : String(error)})` };
  }
}

/** Every crash point of the write, for each seed; returns what broke the promise and which outcomes were seen. */
async function explore(subject: Subject, from: 0 | 1, writeDisk: (disk: Disk) => Disk = (disk) => disk): Promise<{ violations: string[]; seen: Set<string> }> {
  const oldVersion = from === 0 ? 'none' : 'v1';
  const newVersion = from === 0 ? 'v1' : 'v2';
  const violations: string[] = [];
  const seen = new Set<string>();
  for (let seed = 1; seed <= SEEDS; seed++) {
    for (let events = 0; events < CRASH_POINTS_MAX; events++) {
      const { resolved, after } = await crashDuringWrite(subject, seed, from, events, writeDisk);
      seen.add(after);
      const where = `seed ${seed}, crash after ${events} disk events${resolved ? ' (write resolved)' : ''}`;
      if (resolved && after !== newVersion) violations.push(`${where}: ${after}, not ${newVersion}`);
      else if (after !== oldVersion && after !== newVersion) violations.push(`${where}: ${after}, neither ${oldVersion} nor ${newVersion}`);
      if (resolved) break;
      assert.ok(events < CRASH_POINTS_MAX - 1, `${subject.name}: the write resolves within ${CRASH_POINTS_MAX} disk events`);
    }
  }
  return { violations, seen };
}

for (const subject of [hardState, snapshot, chunkedSnapshot, identity, addressBook]) {
  test(`power loss: the ${subject.name} is the old version or the new one at every crash point, and the new one once written`, async () => {
    for (const from of [0, 1] as const) {
      const { violations, seen } = await explore(subject, from);
      assert.deepEqual(violations.slice(0, 5), [], `${subject.name} from ${from === 0 ? 'nothing' : 'v1'}: ${violations.length} bad crash points`);
      assert.deepEqual([...seen].sort(), from === 0 ? ['none', 'v1'] : ['v1', 'v2'], 'crashes hit both sides of the replacement');
    }
  });
}

test('power loss: the check catches a replacement without the folder fsync (identity before) or without any fsync (address book before)', async () => {
  const noDirSync = (disk: Disk): Disk => ({ ...withFileSync(disk, (file) => file.sync()), syncDir: async () => undefined });
  const noSync = (disk: Disk): Disk => ({ ...withFileSync(disk, async () => undefined), syncDir: async () => undefined });
  const identityLost = await explore(identity, 0, noDirSync);
  assert.ok(identityLost.violations.some((v) => v.includes('(write resolved): none')), 'an identity written without the folder fsync can vanish after it resolved');
  const bookLost = await explore(addressBook, 1, noSync);
  assert.ok(bookLost.violations.some((v) => v.includes('(write resolved)')), 'an address book written without fsync can be lost after it resolved');
  assert.ok(bookLost.violations.some((v) => v.includes('damaged')), 'an address book written without fsync can be left empty or torn');
});

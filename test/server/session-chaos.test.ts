// One client's session against a backend that does everything its contract allows, at random:
// writes that land late, in log order, or fail (CLUSTERDOWN, outcome unknown); reads answered at
// once or later, or with an error reply; WATCH versions read at once, later, or refused. Random
// pipelines of SET/GET/INCR/DEL/WATCH/UNWATCH/MULTI/EXEC/DISCARD/PING are cut into turns the way
// the connection cuts them. Whatever happens, the session must never throw, never reject a reply,
// answer every command exactly once, keep the turn's bookkeeping straight (settled() asserts it),
// and issue its writes in the order the client sent them. A fuzz run once killed a node with a
// pipelined WATCH whose version read was refused, followed by EXEC: this finds that in a few runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyDecoded } from '../../src/kv/entry.js';
import { KvState } from '../../src/kv/state.js';
import { CairnError } from '../../src/lib/errors.js';
import { Prng } from '../../src/lib/prng.js';
import { errorReply, type Reply } from '../../src/lib/reply.js';
import type { Backend, WriteEntry } from '../../src/server/backend.js';
import type { Session } from '../../src/server/session.js';
import { bareSession } from './session-helpers.js';

/** Work the backend has promised and not yet done: writes finish in log order, the rest in any order. */
class ChaosBackend implements Backend {
  readonly state = new KvState();
  /** The SET values of every entry written, in the order the entries were issued. */
  readonly setValuesIssued: number[] = [];
  private readonly writes: (() => void)[] = [];
  private readonly others: (() => void)[] = [];

  constructor(private readonly prng: Prng) {}

  write(entry: WriteEntry): Promise<Reply[]> {
    for (const argv of entry.commands) {
      if (Buffer.from(argv[0]!).toString().toUpperCase() === 'SET') this.setValuesIssued.push(Number(Buffer.from(argv[2]!).toString()));
    }
    const roll = this.prng.next();
    if (roll < 0.08) return Promise.reject(new CairnError('CAIRN_CLUSTER_DOWN', 'no leader'));
    return new Promise((resolve, reject) => {
      this.writes.push(() => {
        if (roll < 0.14) reject(new CairnError('CAIRN_TIMEOUT', 'outcome unknown'));
        else resolve(applyDecoded(this.state, { nowMs: 1_000, ...entry }));
      });
    });
  }

  read(argv: readonly Uint8Array[]): Reply | Promise<Reply> {
    const roll = this.prng.next();
    if (roll < 0.4) return this.state.execute(argv, 1_000);
    return new Promise((resolve) => {
      this.others.push(() => resolve(roll < 0.5 ? errorReply('CLUSTERDOWN The cluster is down') : this.state.execute(argv, 1_000)));
    });
  }

  keyVersion(key: Uint8Array): number | Promise<number> {
    const roll = this.prng.next();
    const version = (): number => this.state.keyVersion(Buffer.from(key).toString('latin1'));
    if (roll < 0.3) return version();
    return new Promise((resolve, reject) => {
      this.others.push(() => (roll < 0.55 ? reject(new CairnError(roll < 0.45 ? 'CAIRN_CLUSTER_DOWN' : 'CAIRN_BUSY', 'refused')) : resolve(version())));
    });
  }

  keyspace(): { keys: number } {
    return { keys: this.state.keyCount };
  }

  persistenceInfo(): [] {
    return [];
  }

  async close(): Promise<void> {}

  /** Does one promised piece of work; false when none is left. */
  step(): boolean {
    const total = this.writes.length + this.others.length;
    if (total === 0) return false;
    const pick = this.prng.int(0, total - 1);
    if (pick < this.writes.length) this.writes.shift()!();
    else this.others.splice(pick - this.writes.length, 1)[0]!();
    return true;
  }
}


const KEYS = ['a', 'b'];
const commandArb = fc.oneof(
  fc.record({ name: fc.constantFrom('SET'), key: fc.constantFrom(...KEYS) }),
  fc.record({ name: fc.constantFrom('GET', 'INCR', 'DEL', 'WATCH'), key: fc.constantFrom(...KEYS) }),
  fc.record({ name: fc.constantFrom('MULTI', 'EXEC', 'DISCARD', 'UNWATCH', 'PING') }),
);

/** Runs one turn as the connection does; returns the replies once settled. */
async function runTurn(session: Session, backend: ChaosBackend, turn: string[][]): Promise<Reply[]> {
  const replies = turn.map((words) => session.execute(words.map((w) => Buffer.from(w))));
  session.flushWrites();
  let settled = false;
  const all = Promise.allSettled(replies).then((outcomes) => {
    settled = true;
    return outcomes;
  });
  for (let steps = 0; !settled; steps++) {
    assert.ok(steps < 10_000, 'the turn settles once the backend has done its work');
    backend.step();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const outcomes = await all;
  const rejected = outcomes.filter((o) => o.status === 'rejected');
  assert.deepEqual(rejected, [], 'no reply rejects');
  session.settled();
  return outcomes.map((o) => (o as PromiseFulfilledResult<Reply>).value);
}

test('a session never throws, never rejects, answers every command once and keeps its writes in order, whatever the backend does', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.array(commandArb, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 1_000_000 }), async (turns, seed) => {
      const backend = new ChaosBackend(new Prng(seed));
      const session = bareSession(backend);
      let nextValue = 1;
      for (const turn of turns) {
        const words = turn.map((c) => ('key' in c ? (c.name === 'SET' ? [c.name, c.key, String(nextValue++)] : [c.name, c.key]) : [c.name]));
        const replies = await runTurn(session, backend, words);
        assert.equal(replies.length, words.length, 'one reply per command');
        for (const [i, reply] of replies.entries()) {
          assert.equal(typeof reply.type, 'string', `reply ${i} of ${JSON.stringify(words)} is a reply`);
          if (words[i]![0] === 'EXEC') assert.ok(['array', 'nullArray', 'error'].includes(reply.type), `EXEC answered ${reply.type}`);
        }
      }
      const issued = backend.setValuesIssued;
      assert.deepEqual(issued, [...issued].sort((x, y) => x - y), 'writes reach the backend in the order the client sent them');
    }),
    { numRuns: 400 },
  );
});

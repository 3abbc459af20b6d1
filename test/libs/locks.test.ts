// Locks on redis-server and on a 3-node Cairn cluster: three contenders, one per node, take a plain
// SET NX PX lock (and three Redlock) in a loop while the leader is killed -9; no contender
// acquires while another's lease is surely still valid. A holder paused past its lease cannot
// overwrite its successor's write, because the write is fenced by the token (docs/RECIPES.md).
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { waitFor } from '../cluster/helpers.js';
import { forEachTarget, type LibTarget } from './targets.js';
import { fencedSet, plainLock, redlockLock, type LockKind } from './locks.js';

/** One critical section: when its acquisition was sent and acknowledged, until when its lease surely held, when its release was sent. */
interface Section {
  readonly contender: number;
  readonly sentAtMs: number;
  readonly ackedAtMs: number;
  readonly validUntilMs: number;
  releasedAtMs: number;
}

function connect(port: number): Redis {
  const redis = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, commandTimeout: 2000, autoResendUnfulfilledCommands: false });
  redis.on('error', () => undefined);
  return redis;
}

/** Pairs of sections that overlap while the first one's lease was surely still valid. */
function violations(sections: readonly Section[]): string[] {
  const found: string[] = [];
  for (const a of sections) {
    for (const b of sections) {
      if (a === b || b.sentAtMs <= a.ackedAtMs) continue;
      if (b.ackedAtMs < Math.min(a.releasedAtMs, a.validUntilMs)) found.push(`contender ${b.contender} acquired at ${b.ackedAtMs} while ${a.contender} held it until ${Math.min(a.releasedAtMs, a.validUntilMs)}`);
    }
  }
  return found;
}

async function contend(kind: LockKind, key: string, redis: Redis, contender: number, sections: Section[], running: () => boolean): Promise<void> {
  while (running()) {
    const sentAtMs = Date.now();
    const held = await kind.tryAcquire(redis, key, 3000).catch(() => undefined);
    if (held === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 10)); // back off before the next try
      continue;
    }
    const section: Section = { contender, sentAtMs, ackedAtMs: Date.now(), validUntilMs: held.validUntilMs, releasedAtMs: Infinity };
    sections.push(section);
    await fencedSet(redis, `${key}:resource`, held.token, `written by ${contender}`).catch(() => false);
    section.releasedAtMs = Date.now();
    await held.release().catch(() => undefined);
  }
}

/**
 * Three contenders per lock kind, one on each node, through a kill -9 of the leader (redis-server:
 * restarted on its AOF; Cairn: a new leader, the killed node left down); checks every pair of
 * sections of each kind.
 */
async function exclusionThroughFailover(target: LibTarget, kinds: readonly LockKind[]): Promise<void> {
  const clients = [0, 1, 2].map((node) => connect(target.port(node)));
  const sections = kinds.map((): Section[] => []);
  const least = (): number => Math.min(...sections.map((s) => s.length));
  let running = true;
  const contenders = kinds.flatMap((kind, k) => clients.map((redis, i) => contend(kind, `lock:${k}`, redis, i, sections[k]!, () => running)));
  try {
    await waitFor('10 critical sections of each lock', () => (least() >= 10 ? true : undefined), 30_000);
    const leader = await target.leader();
    await target.kill(leader);
    if (target.size === 1) await target.restart(leader);
    await target.leader();
    const before = Math.max(...sections.map((s) => s.length));
    await waitFor('10 more critical sections of each lock after the kill', () => (least() >= before + 10 ? true : undefined), 30_000);
  } finally {
    running = false;
    await Promise.all(contenders);
    for (const redis of clients) redis.disconnect();
  }
  kinds.forEach((kind, k) => assert.deepEqual(violations(sections[k]!), [], kind.name));
}

/** The fenced write of docs/RECIPES.md, as the doc shows it. */
function recipeScript(): string {
  const doc = readFileSync(new URL('../../docs/RECIPES.md', import.meta.url), 'utf8');
  const script = /const fencedSet = `([^`]+)`/.exec(doc)?.[1];
  assert.ok(script !== undefined, 'docs/RECIPES.md shows the fenced write');
  return script;
}

forEachTarget((target) => {
  test('a holder paused past its lease cannot overwrite its successor: the write is fenced by the token', async () => {
    const [a, b] = [connect(target().port(1)), connect(target().port(2))];
    try {
      const first = await plainLock.tryAcquire(a, 'lock:paused', 300);
      assert.ok(first !== undefined);
      assert.equal(await plainLock.tryAcquire(b, 'lock:paused', 300), undefined, 'held: the second contender waits');
      const second = await waitFor('the lease to lapse', () => plainLock.tryAcquire(b, 'lock:paused', 10_000), 5000);
      assert.ok(second.token > first.token);
      assert.equal(await fencedSet(b, 'paused', second.token, 'second'), true);
      assert.equal(await fencedSet(a, 'paused', first.token, 'first, after its pause'), false);
      assert.equal(await a.get('paused'), 'second');
      await second.release();
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });

  test("the recipe's scripted fenced write refuses an older token", async () => {
    const redis = connect(target().port(0));
    try {
      const script = recipeScript();
      assert.equal(await redis.eval(script, 2, 'recipe:fence-seen', 'recipe', 7, 'seven'), 1);
      assert.equal(await redis.eval(script, 2, 'recipe:fence-seen', 'recipe', 6, 'six'), 0);
      assert.equal(await redis.eval(script, 2, 'recipe:fence-seen', 'recipe', 8, 'eight'), 1);
      assert.deepEqual(await redis.mget('recipe', 'recipe:fence-seen'), ['eight', '8']);
    } finally {
      redis.disconnect();
    }
  });

  // Last: on Cairn it leaves the killed node down.
  test('a SET NX PX lock and Redlock: mutual exclusion holds while the leader is killed', async () => {
    await exclusionThroughFailover(target(), [plainLock, redlockLock]);
  });
});

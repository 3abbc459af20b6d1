// Keyspace events, differential: every write command of the corpus (key-events-corpus.ts) runs on a
// fresh KvState and on a real redis-server 7.0 with notify-keyspace-events KEAn; the (channel,
// message) pairs each command publishes — Cairn's KeyEvents mapped to Redis's two channels — must
// be the same, in the same order and number, and so must the replies. Classes m (key miss: Cairn's
// reads are local and raise nothing) and Cairn's own '*' are outside the comparison.
// Where Cairn differs by design, and the corpus leaves it out: a read (GET, EXISTS, ...) that finds
// an expired key raises `expired` in Redis at once; Cairn's reads are never applied, so the key's
// `expired` comes when active expiry's CAIRN.EXPIRED entry is applied (key-events.test.ts).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_CASES } from './key-events-corpus.js';
import { describeDifferences, EventDifferential } from './key-events-harness.js';
import { REDIS_AVAILABLE, RedisProcess } from './redis-server.js';

let redis: RedisProcess | undefined;
let differential: EventDifferential | undefined;
before(async () => {
  if (!REDIS_AVAILABLE) return;
  redis = await RedisProcess.start(10_000, ['--enable-debug-command', 'yes']);
  differential = await EventDifferential.open(redis);
});
after(async () => {
  differential?.close();
  await redis?.stop();
});

for (const [group, cases] of ALL_CASES) {
  test(`keyspace events match redis-server: ${group}`, { skip: !REDIS_AVAILABLE && 'redis-server not installed' }, async () => {
    const differences: string[] = [];
    for (const c of cases) {
      const results = await (differential as EventDifferential).run(c.steps);
      // A case whose commands published nothing on Redis's side would compare nothing.
      assert.ok(results.some((r) => r.theirs.length > 0), `${c.name}: redis-server published no keyspace event`);
      differences.push(...describeDifferences(c.name, results));
    }
    assert.deepEqual(differences, [], `events differ from redis-server:\n${differences.join('\n')}`);
  });
}

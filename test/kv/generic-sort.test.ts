// SORT / SORT_RO against redis-server over lists, sets and sorted sets. The list, set, sorted set
// and hash types land separately, so Cairn's side holds stand-ins that implement only what SORT
// reads (Collection.members(), FieldLookup.get()); Redis's side holds the real types with the same
// contents. Numeric and ALPHA sorts, BY (string keys, hash fields with ->, no '*'), LIMIT, GET (#,
// patterns, ->), DESC and the score error are compared byte for byte in RESP2 and RESP3.

import { Databases } from '../../src/kv/databases.js';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Prng } from '../../src/lib/prng.js';
import type { Collection, CollectionType } from '../../src/kv/collection.js';
import { Db, NO_EXPIRY } from '../../src/kv/db.js';
import { KvState } from '../../src/kv/state.js';
import { encodeReply } from '../../src/resp/encode.js';
import { REDIS_SERVER, RedisProcess } from './redis-server.js';

const available = existsSync(REDIS_SERVER);
let redis: RedisProcess | undefined;
before(async () => {
  if (available) redis = await RedisProcess.start();
});
after(async () => {
  await redis?.stop();
});

/** A stand-in holding elements in the order Redis would iterate them, and fields for `->`. */
class StandIn implements Collection {
  countedBytes = 0;
  constructor(readonly type: CollectionType, private readonly elements: string[], private readonly fields = new Map<string, string>()) {}
  get size(): number { return this.elements.length + this.fields.size; }
  encoding(): string { return 'stand-in'; }
  clone(): Collection { return new StandIn(this.type, [...this.elements], new Map(this.fields)); }
  encode(): void { throw new Error('not in snapshots'); }
  memoryBytes(): number { return 0; }
  members(): Iterable<string> { return this.elements; }
  get(field: string): string | undefined { return this.fields.get(field); }
}

const ELEMENTS = ['3', '1', '10', '2', '-5', '1.5', 'b', 'a', '20', '07'];
const WEIGHTS = ['5', '1', '-2', '3.5', '1e2', 'x', '', '0x10', 'inf', '100'];

function bytes(parts: string[]): Buffer[] {
  return parts.map((p) => Buffer.from(p, 'latin1'));
}

/** Same data on both sides; returns the Redis commands that made it. */
function populate(prng: Prng, db: Db): string[][] {
  const numeric = ELEMENTS.filter((e) => /^-?\d+$/.test(e) && !e.startsWith('0'));
  const list = Array.from({ length: prng.int(1, 8) }, () => prng.pick(ELEMENTS));
  const ints = [...new Set(Array.from({ length: prng.int(1, 6) }, () => prng.pick(numeric)))].sort((a, b) => Number(a) - Number(b));
  const zset = [...new Set(Array.from({ length: prng.int(1, 6) }, () => prng.pick(ELEMENTS)))];
  const scores = new Map(zset.map((m) => [m, prng.int(0, 3)]));
  const ranked = [...zset].sort((a, b) => (scores.get(a)! - scores.get(b)!) || (a < b ? -1 : a > b ? 1 : 0));
  db.setCollection('l', new StandIn('list', list), NO_EXPIRY);
  db.setCollection('s', new StandIn('set', ints), NO_EXPIRY);
  db.setCollection('z', new StandIn('zset', ranked), NO_EXPIRY);
  const commands: string[][] = [['FLUSHALL'], ['RPUSH', 'l', ...list], ['SADD', 's', ...ints], ['ZADD', 'z', ...zset.flatMap((m) => [String(scores.get(m)), m])]];
  for (const element of ELEMENTS) {
    if (prng.chance(0.7)) {
      const weight = prng.pick(WEIGHTS);
      db.set(`w_${element}`, Buffer.from(weight, 'latin1'), NO_EXPIRY);
      commands.push(['SET', `w_${element}`, weight]);
    }
    if (prng.chance(0.6)) {
      const value = prng.pick(WEIGHTS);
      db.setCollection(`h_${element}`, new StandIn('hash', [], new Map([['f', value]])), NO_EXPIRY);
      commands.push(['HSET', `h_${element}`, 'f', value]);
    }
  }
  return commands;
}

function randomSort(prng: Prng): string[] {
  const options: string[] = [];
  if (prng.chance(0.5)) options.push(prng.pick(['ALPHA', 'alpha']));
  if (prng.chance(0.4)) options.push(prng.pick(['DESC', 'ASC']));
  if (prng.chance(0.5)) options.push('BY', prng.pick(['w_*', 'h_*->f', 'nosort', 'w_*->', 'h_*->g']));
  if (prng.chance(0.3)) options.push('LIMIT', prng.pick(['0', '1', '-1', '3']), prng.pick(['0', '2', '-1', '100']));
  for (let i = prng.int(0, 2); i > 0; i--) options.push('GET', prng.pick(['#', 'w_*', 'h_*->f', 'nokey', 'h_*->']));
  return [prng.pick(['SORT', 'SORT_RO']), prng.pick(['l', 's', 'z']), ...options];
}

/** ALPHA BY leaves ties (missing or equal BY values) in an order Redis's qsort/pqsort decides. */
function tiesUndecided(argv: string[]): boolean {
  const upper = argv.map((a) => a.toUpperCase());
  const by = upper.indexOf('BY');
  return upper.includes('ALPHA') && by !== -1 && (argv[by + 1] ?? '').includes('*');
}

for (const protocol of [2, 3] as const) {
  test(`SORT and SORT_RO match redis-server over lists, sets and sorted sets in RESP${protocol}`, { skip: !available && 'redis-server not installed' }, async () => {
    assert.ok(redis !== undefined);
    const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
    console.log(`RESP${protocol} SEED=${seed}`);
    const prng = new Prng(seed);
    const mismatches: string[] = [];
    for (let round = 0; round < 60 && mismatches.length < 5; round++) {
      const db = new Db();
      const state = new KvState({}, new Databases(db));
      await redis.sendRaw([bytes(['HELLO', String(protocol)]), ...populate(prng, db).map(bytes)]);
      const sorts = Array.from({ length: 20 }, () => randomSort(prng)).filter((argv) => !tiesUndecided(argv));
      const replies = await redis.sendRaw(sorts.map(bytes));
      sorts.forEach((argv, i) => {
        const ours = encodeReply(state.execute(bytes(argv), Date.now()), protocol);
        if (!ours.equals(replies[i]!)) mismatches.push(`${JSON.stringify(argv)}\n   cairn: ${JSON.stringify(ours.toString('latin1'))}\n   redis: ${JSON.stringify(replies[i]!.toString('latin1'))}`);
      });
    }
    assert.equal(mismatches.length, 0, `SEED=${seed}\n${mismatches.join('\n')}`);
  });
}

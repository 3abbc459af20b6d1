// Not a test: measures a 1M-member sorted set in KvState against redis-server 7.0 (memory), and
// the time ZADD / ZRANK / ZRANGE take at 1M members. Run:
//   node --expose-gc --import tsx test/kv/zset-memory-bench.ts [members] [int|float]

import { Buffer } from 'node:buffer';
import { KvState } from '../../src/kv/state.js';
import { Prng } from '../../src/lib/prng.js';
import { ZSet } from '../../src/kv/zset/zset.js';
import { RedisProcess } from './redis-server.js';

const members = Number(process.argv[2] ?? 1_000_000);
const floats = process.argv[3] !== 'int';
const BATCH = 1000;
const gc = (globalThis as { gc?: () => void }).gc;

function batches(): Buffer[][] {
  const prng = new Prng(1);
  const out: Buffer[][] = [];
  for (let i = 0; i < members; i += BATCH) {
    const argv = [Buffer.from('ZADD'), Buffer.from('big')];
    for (let j = i; j < Math.min(members, i + BATCH); j++) {
      const score = floats ? prng.next() * 1e6 : prng.int(0, 1e9);
      argv.push(Buffer.from(String(score)), Buffer.from(`member:${j}`));
    }
    out.push(argv);
  }
  return out;
}

function heapBytes(): number {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.external + m.arrayBuffers;
}

async function redisBytes(all: Buffer[][]): Promise<[number, number]> {
  const redis = await RedisProcess.start();
  try {
    const info = async (): Promise<[number, number]> => {
      const [reply] = await redis.sendRaw([[Buffer.from('INFO'), Buffer.from('memory')]]);
      const text = (reply as Buffer).toString();
      const field = (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(text)?.[1]);
      return [field('used_memory'), field('used_memory_rss')];
    };
    const [used0, rss0] = await info();
    for (let i = 0; i < all.length; i += 10) await redis.sendRaw(all.slice(i, i + 10));
    const [used1, rss1] = await info();
    return [used1 - used0, rss1 - rss0];
  } finally {
    await redis.stop();
  }
}

/** Wall and CPU time per op: on a shared machine the CPU time is the steadier figure. */
function timed(label: string, ops: number, body: () => void): void {
  const cpu = process.cpuUsage();
  const t = performance.now();
  body();
  const wallUs = (performance.now() - t) * 1000;
  const used = process.cpuUsage(cpu);
  console.log(`${label}: ${(wallUs / ops).toFixed(2)} µs/op wall, ${((used.user + used.system) / ops).toFixed(2)} µs/op CPU`);
}

/** The structure alone (ZSet, no command parsing) at `members` members. */
function structureTimes(): void {
  const prng = new Prng(3);
  const z = new ZSet(true);
  timed(`ZSet.set x${members} (load)`, members, () => {
    for (let i = 0; i < members; i++) z.set(`member:${i}`, prng.next() * 1e6);
  });
  const ops = 200_000;
  const names = Array.from({ length: ops }, () => `member:${prng.int(0, members - 1)}`);
  timed('ZSet.set (move a member to a new score)', ops, () => {
    for (const name of names) z.set(name, prng.next() * 1e6);
  });
  timed('ZSet.set (new member) then remove', ops, () => {
    for (let i = 0; i < ops; i++) z.set(`new:${i}`, prng.next() * 1e6);
    for (let i = 0; i < ops; i++) z.remove(`new:${i}`);
  });
  timed('ZSet.rank', ops, () => {
    for (const name of names) z.rank(name);
  });
  let sink = 0;
  timed('ZSet.each (10 from a random rank)', ops, () => {
    for (let i = 0; i < ops; i++) {
      const start = prng.int(0, members - 11);
      z.each(start, start + 9, false, (_m, s) => { sink += s; });
    }
  });
  if (sink === -1) console.log(sink);
}

async function main(): Promise<void> {
  const all = batches();
  const state = new KvState();
  const before = heapBytes();
  const rssBefore = process.memoryUsage().rss;
  const t = performance.now();
  for (const argv of all) state.execute(argv, 0);
  const loadMs = performance.now() - t;
  const cairnBytes = heapBytes() - before;
  const cairnRss = process.memoryUsage().rss - rssBefore;
  const [redisUsed, redisRss] = await redisBytes(all);
  const mb = (n: number) => (n / 1e6).toFixed(1);
  console.log(`${members} members, ${floats ? 'float' : 'integer'} scores`);
  console.log(`cairn KvState: heap ${mb(cairnBytes)} MB (${(cairnBytes / members).toFixed(0)} B/member), RSS +${mb(cairnRss)} MB; load ${loadMs.toFixed(0)} ms`);
  console.log(`redis-server 7.0: used_memory +${mb(redisUsed)} MB (${(redisUsed / members).toFixed(0)} B/member), RSS +${mb(redisRss)} MB`);
  console.log(`ratio heap/used_memory ${(cairnBytes / redisUsed).toFixed(2)}, RSS/RSS ${(cairnRss / redisRss).toFixed(2)}`);

  const prng = new Prng(2);
  const ops = 100_000;
  const timeOps = (label: string, argvOf: () => Buffer[]) => {
    const argvs = Array.from({ length: ops }, argvOf);
    timed(label, ops, () => {
      for (const argv of argvs) state.execute(argv, 0);
    });
  };
  const b = (s: string) => Buffer.from(s);
  timeOps('ZADD (update a random member\'s score)', () => [b('ZADD'), b('big'), b(String(prng.next() * 1e6)), b(`member:${prng.int(0, members - 1)}`)]);
  timeOps('ZADD (new member)', () => [b('ZADD'), b('big'), b(String(prng.next() * 1e6)), b(`new:${prng.int(0, 1e9)}`)]);
  timeOps('ZRANK (random member)', () => [b('ZRANK'), b('big'), b(`member:${prng.int(0, members - 1)}`)]);
  timeOps('ZRANGE (10 from a random rank, WITHSCORES)', () => {
    const start = prng.int(0, members - 11);
    return [b('ZRANGE'), b('big'), b(String(start)), b(String(start + 9)), b('WITHSCORES')];
  });
  timeOps('ZRANGE BYSCORE LIMIT 0 10', () => [b('ZRANGE'), b('big'), b(String(prng.next() * 1e6)), b('+inf'), b('BYSCORE'), b('LIMIT'), b('0'), b('10')]);
  timeOps('ZREM', () => [b('ZREM'), b('big'), b(`member:${prng.int(0, members - 1)}`)]);
  console.log('structure alone:');
  structureTimes();
}

await main();

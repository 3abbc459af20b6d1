// Memory of one list of 1M 10-byte elements in a KvState against redis-server 7.0 (issue #11 item 3).
// Run: node --expose-gc --import tsx test/kv/list-memory.ts   (prints both sides' figures)
// Node's RSS also holds the young generation the pushes' argument buffers grew (a fixed ~30 MB per
// process, not per list); --max-semi-space-size=1 keeps it out of the comparison.

import { Buffer } from 'node:buffer';
import { KvState } from '../../src/kv/state.js';
import { RedisProcess } from './redis-server.js';

const ELEMENTS = 1_000_000;
const BATCH = 1000;
const MB = 1024 * 1024;

function element(i: number): Buffer {
  return Buffer.from(`e${String(i).padStart(9, '0')}`, 'latin1'); // 10 bytes
}

/** RPUSH list e000000000 ... for elements [from, from + BATCH). */
function batch(from: number): Buffer[] {
  return [Buffer.from('RPUSH'), Buffer.from('list'), ...Array.from({ length: BATCH }, (_, k) => element(from + k))];
}

function settle(): NodeJS.MemoryUsage {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage();
}

async function measureKv(): Promise<void> {
  const before = settle();
  const state = new KvState();
  for (let i = 0; i < ELEMENTS; i += BATCH) state.execute(batch(i), 0);
  const after = settle();
  const heap = after.heapUsed - before.heapUsed;
  const external = after.external - before.external;
  console.log(`KvState: LLEN ${JSON.stringify(state.execute([Buffer.from('LLEN'), Buffer.from('list')], 0))}`);
  console.log(`KvState: heap +${(heap / MB).toFixed(1)} MB, external (buffers) +${(external / MB).toFixed(1)} MB, ` +
    `total ${((heap + external) / MB).toFixed(1)} MB = ${((heap + external) / ELEMENTS).toFixed(1)} bytes/element; RSS +${((after.rss - before.rss) / MB).toFixed(1)} MB`);
}

async function measureRedis(): Promise<void> {
  const redis = await RedisProcess.start();
  try {
    const info = async (): Promise<Record<string, number>> => {
      const [reply] = await redis.sendRaw([[Buffer.from('INFO'), Buffer.from('memory')]]);
      const fields: Record<string, number> = {};
      for (const line of (reply as Buffer).toString('latin1').split('\r\n')) {
        const [name, value] = line.split(':');
        if (name !== undefined && value !== undefined) fields[name] = Number(value);
      }
      return fields;
    };
    const before = await info();
    for (let i = 0; i < ELEMENTS; i += 50 * BATCH) {
      await redis.sendRaw(Array.from({ length: 50 }, (_, k) => batch(i + k * BATCH)));
    }
    const after = await info();
    const used = (after.used_memory ?? 0) - (before.used_memory ?? 0);
    const rss = (after.used_memory_rss ?? 0) - (before.used_memory_rss ?? 0);
    console.log(`redis-server: used_memory +${(used / MB).toFixed(1)} MB = ${(used / ELEMENTS).toFixed(1)} bytes/element; RSS +${(rss / MB).toFixed(1)} MB`);
  } finally {
    await redis.stop();
  }
}

await measureKv();
await measureRedis();

// Measures the memory of one set of 1M members "m:<n>" in a KvState (run by hand, not by the test
// runner): `node --expose-gc --import tsx test/kv/set-memory.ts [members]`. Prints heap and RSS
// growth after a full GC; compare with redis-server's INFO memory for the same SADDs.

import { Buffer } from 'node:buffer';
import { KvState } from '../../src/kv/state.js';

const members = Number(process.argv[2] ?? 1_000_000);
const batch = 1000;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

function usage(): { heapBytes: number; rssBytes: number } {
  gc?.();
  gc?.();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapBytes: heapUsed, rssBytes: rss };
}

const state = new KvState();
const before = usage();
for (let from = 0; from < members; from += batch) {
  const argv = [Buffer.from('SADD'), Buffer.from('bigset')];
  for (let n = from; n < Math.min(members, from + batch); n++) argv.push(Buffer.from(`m:${n}`));
  state.execute(argv, 0);
}
const after = usage();
const card = state.execute([Buffer.from('SCARD'), Buffer.from('bigset')], 0);
const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
console.log(JSON.stringify(card));
console.log(`members ${members}: heap +${mb(after.heapBytes - before.heapBytes)} MB, RSS +${mb(after.rssBytes - before.rssBytes)} MB (RSS ${mb(before.rssBytes)} → ${mb(after.rssBytes)} MB)`);
console.log(`per member: heap ${((after.heapBytes - before.heapBytes) / members).toFixed(1)} B`);

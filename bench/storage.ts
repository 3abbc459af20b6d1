// Storage benchmark (`npm run bench:storage`, or `node --import tsx bench/storage.ts [--quick]`):
// the embedded KVStore — a one-member Raft cluster (runtime/local-node.ts) — measured end to end:
// the disk's fsync rate, put/get throughput and latency with 100-byte values under each fsync
// policy and writer count, and reopen time and memory for 1,000,000 keys. Prints a table.
// Targets (issue #2): always×256 >= 50× always×1; reopen of 1M keys <= 3 s; get >= 2M ops/s.

import { spawnSync } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { KVStore, type FsyncPolicy } from '../src/index.js';

const QUICK = process.argv.includes('--quick');
const CASE_MS = QUICK ? 1000 : 3000;
const KEYS = 100_000;
const VALUE = Buffer.alloc(100, 'v');
const REOPEN_KEYS = QUICK ? 200_000 : 1_000_000;
const LOAD_IN_FLIGHT = 1024;
/** Keeps the automatic snapshot out of the load and of the log-only reopen. */
const NO_AUTO_SNAPSHOT = { compactionMinBytes: 1024 * 1024 * 1024, snapshotEveryEntries: 100_000_000 };

interface Row {
  readonly name: string;
  readonly opsPerSec: number;
  readonly p50Us?: number;
  readonly p99Us?: number;
  readonly note?: string;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'cairn-bench-'));
}

async function fsyncProbe(): Promise<Row> {
  const dir = await tempDir();
  const file = await open(join(dir, 'probe'), 'w');
  const block = Buffer.alloc(4096, 1);
  const latencies: number[] = [];
  const start = performance.now();
  try {
    while (performance.now() - start < CASE_MS) {
      const t0 = performance.now();
      await file.write(block);
      await file.datasync();
      latencies.push(performance.now() - t0);
    }
  } finally {
    await file.close();
    await rm(dir, { recursive: true, force: true });
  }
  const sorted = Float64Array.from(latencies).sort();
  return { name: 'fsync probe (4 KiB append + fdatasync)', opsPerSec: latencies.length / ((performance.now() - start) / 1000), p50Us: percentile(sorted, 0.5) * 1000, p99Us: percentile(sorted, 0.99) * 1000 };
}

async function putCase(fsync: FsyncPolicy, writers: number): Promise<Row> {
  const dir = await tempDir();
  const store = await KVStore.open(dir, { fsync });
  const latencies: number[] = [];
  let next = 0;
  const start = performance.now();
  const writer = async (): Promise<void> => {
    while (performance.now() - start < CASE_MS) {
      const key = `key:${next++ % KEYS}`;
      const t0 = performance.now();
      await store.put(key, VALUE);
      latencies.push(performance.now() - t0);
    }
  };
  let syncs = 0;
  let seconds = 0;
  try {
    await Promise.all(Array.from({ length: writers }, writer));
    seconds = (performance.now() - start) / 1000;
    syncs = store.stats().syncCount;
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
  const sorted = Float64Array.from(latencies).sort();
  return { name: `put fsync=${fsync} writers=${writers}`, opsPerSec: latencies.length / seconds, p50Us: percentile(sorted, 0.5) * 1000, p99Us: percentile(sorted, 0.99) * 1000, note: fsync === 'always' ? `${(latencies.length / Math.max(1, syncs)).toFixed(1)} writes/fsync` : `${syncs} fsyncs` };
}

async function getCase(): Promise<Row> {
  const dir = await tempDir();
  const store = await KVStore.open(dir, { fsync: 'no' });
  try {
    await load(store, KEYS);
    const keys = Array.from({ length: 4096 }, (_, i) => `key:${(i * 7919) % KEYS}`);
    for (let i = 0; i < 1_000_000; i++) store.get(keys[i & 4095] as string); // warm up the JIT
    let ops = 0;
    let found = 0;
    const start = performance.now();
    while (performance.now() - start < CASE_MS) {
      for (let i = 0; i < 100_000; i++) if (store.get(keys[i & 4095] as string) !== undefined) found++;
      ops += 100_000;
    }
    const seconds = (performance.now() - start) / 1000;
    if (found !== ops) throw new Error(`get missed ${ops - found} keys`);
    const samples = new Float64Array(10_000);
    for (let i = 0; i < samples.length; i++) {
      const t0 = performance.now();
      store.get(keys[i & 4095] as string);
      samples[i] = performance.now() - t0;
    }
    samples.sort();
    return { name: 'get (in-process, string key)', opsPerSec: ops / seconds, p50Us: percentile(samples, 0.5) * 1000, p99Us: percentile(samples, 0.99) * 1000, note: 'latency includes ~0.1 µs of timer overhead' };
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function load(store: KVStore, count: number): Promise<void> {
  let next = 0;
  const loader = async (): Promise<void> => {
    while (next < count) await store.put(`key:${next++}`, VALUE);
  };
  await Promise.all(Array.from({ length: LOAD_IN_FLIGHT }, loader));
}

/** Measures one reopen in a fresh process, so memory figures are the store's alone. */
function reopenInChild(dir: string): { openMs: number; rssMiB: number; heapMiB: number; keys: number } {
  const self = fileURLToPath(import.meta.url);
  const args = self.endsWith('.ts') ? ['--import', 'tsx', self] : [self];
  const result = spawnSync(process.execPath, ['--expose-gc', ...args, '--reopen', dir], { encoding: 'utf8', timeout: 300_000 });
  if (result.status !== 0) throw new Error(`reopen child failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as { openMs: number; rssMiB: number; heapMiB: number; keys: number };
}

async function reopenCases(): Promise<Row[]> {
  const dir = await tempDir();
  try {
    const store = await KVStore.open(dir, { fsync: 'no', ...NO_AUTO_SNAPSHOT });
    const t0 = performance.now();
    await load(store, REOPEN_KEYS);
    const loadMs = performance.now() - t0;
    await store.close();
    const fromLog = reopenInChild(dir);
    const compacting = await KVStore.open(dir, { fsync: 'no', ...NO_AUTO_SNAPSHOT });
    await compacting.compact();
    await compacting.close();
    const fromSnapshot = reopenInChild(dir);
    const row = (name: string, r: typeof fromLog): Row => ({ name, opsPerSec: r.keys / (r.openMs / 1000), note: `${r.keys} keys in ${r.openMs.toFixed(0)} ms; RSS ${r.rssMiB.toFixed(0)} MiB, heap ${r.heapMiB.toFixed(0)} MiB` });
    return [
      { name: `load ${REOPEN_KEYS} keys (fsync=no, ${LOAD_IN_FLIGHT} in flight)`, opsPerSec: REOPEN_KEYS / (loadMs / 1000) },
      row('reopen: replay the log', fromLog),
      row('reopen: load the snapshot', fromSnapshot),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function reopenChildMain(dir: string): Promise<void> {
  const t0 = performance.now();
  const store = await KVStore.open(dir, { fsync: 'no', ...NO_AUTO_SNAPSHOT });
  const openMs = performance.now() - t0;
  const keys = store.stats().keyCount;
  (globalThis as { gc?: () => void }).gc?.();
  const memory = process.memoryUsage();
  await store.close();
  process.stdout.write(JSON.stringify({ openMs, rssMiB: memory.rss / 2 ** 20, heapMiB: memory.heapUsed / 2 ** 20, keys }));
}

function printTable(rows: readonly Row[]): void {
  const fmt = (n: number | undefined, digits = 0): string => (n === undefined ? '' : n.toLocaleString('en-US', { maximumFractionDigits: digits }));
  const header = ['case', 'ops/s', 'p50 µs', 'p99 µs', 'note'];
  const body = rows.map((r) => [r.name, fmt(r.opsPerSec), fmt(r.p50Us, 1), fmt(r.p99Us, 1), r.note ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of body) console.log(line(row));
}

async function main(): Promise<void> {
  const reopenAt = process.argv.indexOf('--reopen');
  if (reopenAt >= 0) return reopenChildMain(process.argv[reopenAt + 1] as string);
  console.log(`cairn storage benchmark${QUICK ? ' (quick)' : ''}: node ${process.version}, ${CASE_MS} ms per case, temp dir ${tmpdir()}`);
  const rows: Row[] = [await fsyncProbe()];
  for (const writers of [1, 16, 256]) rows.push(await putCase('always', writers));
  for (const writers of [1, 256]) rows.push(await putCase('everysec', writers));
  rows.push(await getCase());
  rows.push(...(await reopenCases()));
  printTable(rows);
  const single = rows.find((r) => r.name === 'put fsync=always writers=1')?.opsPerSec ?? 0;
  const many = rows.find((r) => r.name === 'put fsync=always writers=256')?.opsPerSec ?? 0;
  console.log(`group commit: always×256 / always×1 = ${(many / Math.max(1, single)).toFixed(1)}× (target >= 50×)`);
}

await main();

// The bench:cluster table: both systems side by side per phase, the ratio Cairn/etcd, and the
// issue's targets (64 clients: writes >= 2x with p99 no worse, reads >= 3x; failover p50 < 1 s).
import type { LoadResult, Op } from './load.js';
import { median } from './stats.js';

export interface Row {
  readonly op: Op;
  readonly clients: number;
  /** Absent when that system was not run (--systems). */
  readonly cairn: LoadResult | undefined;
  readonly etcd: LoadResult | undefined;
}

export interface Report {
  readonly seconds: number;
  readonly valueBytes: number;
  readonly keyCount: number;
  readonly rows: readonly Row[];
  readonly failover: { readonly cairnMs: readonly number[]; readonly etcdMs: readonly number[] } | undefined;
  /** The 1-minute load average when the measured phases began (/proc/loadavg). */
  readonly loadAverage: number;
  /** The member the clients talked to. */
  readonly to: 'leader' | 'follower';
}

const targetClients = 64;
const writeRatioTarget = 2;
const readRatioTarget = 3;
const failoverTargetMs = 1000;

export function num(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '-';
}

function verdict(row: Row): string {
  if (row.clients !== targetClients || row.cairn === undefined || row.etcd === undefined) return '';
  const ratio = row.cairn.opsPerSecond / row.etcd.opsPerSecond;
  if (row.op === 'read') return `>= ${readRatioTarget}x: ${ratio >= readRatioTarget ? 'ok' : 'MISS'}`;
  const p99Ok = row.cairn.p99Ms <= row.etcd.p99Ms;
  return `>= ${writeRatioTarget}x, p99 <=: ${ratio >= writeRatioTarget && p99Ok ? 'ok' : 'MISS'}`;
}

/** One system's cells: ops/s, p50, p99, leader cpu, all members' cpu, client cpu ('-' when not run). */
export function cells(r: LoadResult | undefined): string[] {
  if (r === undefined) return ['-', '-', '-', '-', '-', '-'];
  return [num(r.opsPerSecond, 0), num(r.p50Ms, 2), num(r.p99Ms, 2), num(r.cpuMicrosPerOp, 0), num(r.clusterCpuMicrosPerOp, 0), num(r.clientCpuMicrosPerOp, 0)];
}

export function ratio(a: number | undefined, b: number | undefined): number {
  return a === undefined || b === undefined ? Number.NaN : a / b;
}

export function printTable(report: Report): void {
  console.log(`\n3-node Cairn (fsync always) vs 3-member etcd, ${report.seconds} s per phase, ${report.valueBytes}-byte values over ${report.keyCount} keys, to the ${report.to}; load average ${report.loadAverage.toFixed(1)} at the start`);
  console.log(`latencies in ms; cpu = the ${report.to}'s CPU (user + system) per op in µs; all = every member's CPU per op, summed; cli = the bench client's CPU per op in µs\n`);
  const head = ['op', 'clients', 'cairn ops/s', 'p50', 'p99', 'cpu', 'all', 'cli', 'etcd ops/s', 'p50', 'p99', 'cpu', 'all', 'cli', 'ops x', 'p99 x', 'target'];
  const widths = [5, 7, 12, 7, 7, 6, 6, 5, 11, 7, 7, 6, 6, 5, 6, 6, 26];
  const line = (cols: readonly string[]): string => cols.map((c, i) => (i < 2 || i === cols.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' ');
  console.log(line(head));
  for (const row of report.rows) {
    console.log(line([
      row.op, String(row.clients), ...cells(row.cairn), ...cells(row.etcd),
      num(ratio(row.cairn?.opsPerSecond, row.etcd?.opsPerSecond), 2), num(ratio(row.cairn?.p99Ms, row.etcd?.p99Ms), 2), verdict(row),
    ]));
  }
  const errors = report.rows.flatMap((r) => [r.cairn, r.etcd]).reduce((sum, r) => sum + (r?.errors ?? 0), 0);
  if (errors > 0) console.log(`\n${errors} failed requests (not counted; see the bench log above)`);
  if (report.failover === undefined) return;
  const cairnP50 = median(report.failover.cairnMs);
  const etcdP50 = median(report.failover.etcdMs);
  const show = (ms: readonly number[]): string => ms.map((m) => m.toFixed(0)).join(', ');
  console.log('\nfailover: kill -9 the leader under writes -> first write acknowledged by the new leader (ms)');
  console.log(`  cairn  p50 ${num(cairnP50, 0)}  (rounds: ${show(report.failover.cairnMs)})  target < ${failoverTargetMs}: ${cairnP50 < failoverTargetMs ? 'ok' : 'MISS'}`);
  console.log(`  etcd   p50 ${num(etcdP50, 0)}  (rounds: ${show(report.failover.etcdMs)})`);
  console.log(`  ratio cairn/etcd ${num(cairnP50 / etcdP50, 2)}`);
}

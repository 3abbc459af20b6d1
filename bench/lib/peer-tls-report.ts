// The bench:cluster --peer-tls table: the same 3-node Cairn cluster with plain peer links and with
// mutual TLS on them, measured phase by phase in the same run, and the ratio TLS/plain.
import { cells, num, ratio } from './cluster-report.js';
import type { LoadResult, Op } from './load.js';

export interface PeerTlsRow {
  readonly op: Op;
  readonly clients: number;
  readonly plain: LoadResult;
  readonly tls: LoadResult;
}

export function printPeerTlsTable(report: { seconds: number; valueBytes: number; keyCount: number; loadAverage: number; rows: readonly PeerTlsRow[] }): void {
  console.log(`\n3-node Cairn (fsync always): plain peer links vs mutual TLS on them, ${report.seconds} s per phase, ${report.valueBytes}-byte values over ${report.keyCount} keys, to the leader; load average ${report.loadAverage.toFixed(1)} at the start`);
  console.log('latencies in ms; cpu = the leader\'s CPU (user + system) per op in µs; all = every member\'s CPU per op, summed; cli = the bench client\'s CPU per op in µs\n');
  const head = ['op', 'clients', 'plain ops/s', 'p50', 'p99', 'cpu', 'all', 'cli', 'tls ops/s', 'p50', 'p99', 'cpu', 'all', 'cli', 'ops x', 'p99 x', 'all x'];
  const widths = [5, 7, 12, 7, 7, 6, 6, 5, 11, 7, 7, 6, 6, 5, 6, 6, 6];
  const line = (cols: readonly string[]): string => cols.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' ');
  console.log(line(head));
  for (const row of report.rows) {
    console.log(line([
      row.op, String(row.clients), ...cells(row.plain), ...cells(row.tls),
      num(ratio(row.tls.opsPerSecond, row.plain.opsPerSecond), 2), num(ratio(row.tls.p99Ms, row.plain.p99Ms), 2),
      num(ratio(row.tls.clusterCpuMicrosPerOp, row.plain.clusterCpuMicrosPerOp), 2),
    ]));
  }
  const errors = report.rows.reduce((sum, r) => sum + r.plain.errors + r.tls.errors, 0);
  if (errors > 0) console.log(`\n${errors} failed requests (not counted; see the bench log above)`);
}

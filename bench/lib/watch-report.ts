// The bench:watch table: per watcher count, Cairn and etcd side by side — writes/s, delivered
// events/s (and the share of the events due that arrived inside the window), p50/p99 from a write's
// acknowledgement to its event at a watcher, the servers' CPU (cores busy, µs per delivered event),
// their RSS, the bench client's CPU — with the ratios Cairn/etcd and the target.
export interface WatchPhase {
  readonly system: 'cairn' | 'etcd';
  readonly watchers: number;
  /** The watchers stopped reading once open (slow watchers): the phase measures memory. */
  readonly paused: boolean;
  readonly writesPerSecond: number;
  readonly deliveredPerSecond: number;
  /** Delivered events inside the window over (acknowledged writes inside it × watchers). */
  readonly keptUp: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Every member's CPU during the window, in cores (CPU seconds per second). */
  readonly serverCores: number;
  readonly serverMicrosPerEvent: number;
  /** Every member's resident memory at the window's end, summed, in MB. */
  readonly serverRssMb: number;
  /** The same before the watchers were opened. */
  readonly rssBeforeMb: number;
  /** Cairn, slow phase: the output buffers (CLIENT LIST omem) the members hold at the window's end, MB. */
  readonly outputMb: number;
  readonly clientCores: number;
  readonly loadAverage: number;
  readonly watcherFailures: number;
  readonly writeErrors: number;
}

const deliveredRatioTarget = 3;

function num(value: number | undefined, digits: number): string {
  return value !== undefined && Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '-';
}

function cells(p: WatchPhase | undefined): string[] {
  if (p === undefined) return ['-', '-', '-', '-', '-', '-', '-', '-', '-'];
  return [num(p.writesPerSecond, 0), num(p.deliveredPerSecond, 0), `${num(p.keptUp * 100, 0)}%`, num(p.p50Ms, 1), num(p.p99Ms, 1), num(p.serverCores, 2), num(p.serverMicrosPerEvent, 1), num(p.serverRssMb, 0), num(p.clientCores, 2)];
}

export function printWatchTable(phases: readonly WatchPhase[], header: string): void {
  console.log(`\n${header}`);
  console.log('lat = ms from the write\'s acknowledgement to its event at a watcher (0 when the event came first); kept = events delivered in the window / (writes acked in it x watchers); cores = all 3 members\' CPU; µs/ev = their CPU per delivered event; rss = their RSS summed, MB; cli = the bench process\'s CPU in cores\n');
  const head = ['watchers', 'cairn w/s', 'ev/s', 'kept', 'p50', 'p99', 'cores', 'µs/ev', 'rss', 'cli', 'etcd w/s', 'ev/s', 'kept', 'p50', 'p99', 'cores', 'µs/ev', 'rss', 'cli', 'ev/s x', 'p99 x', 'target >=3x, p99 <='];
  const widths = [8, 9, 10, 5, 7, 7, 5, 6, 5, 4, 8, 10, 5, 7, 7, 5, 6, 5, 4, 6, 6, 20];
  const line = (cols: readonly string[]): string => cols.map((c, i) => (i === 0 || i === cols.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' ');
  console.log(line(head));
  const counts = [...new Set(phases.map((p) => p.watchers))];
  for (const watchers of counts) {
    const cairn = phases.find((p) => p.watchers === watchers && p.system === 'cairn');
    const etcd = phases.find((p) => p.watchers === watchers && p.system === 'etcd');
    const eventsRatio = cairn !== undefined && etcd !== undefined ? cairn.deliveredPerSecond / etcd.deliveredPerSecond : Number.NaN;
    const p99Ratio = cairn !== undefined && etcd !== undefined ? cairn.p99Ms / etcd.p99Ms : Number.NaN;
    const met = Number.isFinite(eventsRatio) ? (eventsRatio >= deliveredRatioTarget && cairn!.p99Ms <= etcd!.p99Ms ? 'met' : 'MISSED') : '-';
    console.log(line([String(watchers), ...cells(cairn), ...cells(etcd), num(eventsRatio, 2), num(p99Ratio, 2), met]));
  }
  const loads = phases.map((p) => `${p.system}x${p.watchers} ${p.loadAverage.toFixed(1)}`).join(', ');
  console.log(`\nload average (1 min) at each window's start: ${loads}`);
  const troubles = phases.filter((p) => p.watcherFailures > 0 || p.writeErrors > 0);
  for (const p of troubles) console.log(`${p.system} x${p.watchers}: ${p.watcherFailures} watchers failed, ${p.writeErrors} write errors (see the log above)`);
}

/** Slow watchers: memory the members hold for watchers that stopped reading, while the writers write. */
export function printSlowTable(phases: readonly WatchPhase[], valueBytes: number): void {
  console.log(`\nslow watchers (each stops reading once its watch is open; the same writers with ${valueBytes}-byte values, same window): the members' RSS summed before the watchers were opened and at the window's end; omem = the output buffers Cairn's members hold for their clients (CLIENT LIST), summed`);
  const head = ['system', 'watchers', 'w/s', 'rss before', 'rss end', 'growth', 'KB/watcher', 'omem MB', 'failed'];
  const widths = [6, 8, 7, 10, 8, 7, 10, 8, 6];
  const line = (cols: readonly string[]): string => cols.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' ');
  console.log(line(head));
  for (const p of phases) {
    const growthMb = p.serverRssMb - p.rssBeforeMb;
    console.log(line([p.system, String(p.watchers), num(p.writesPerSecond, 0), num(p.rssBeforeMb, 0), num(p.serverRssMb, 0), num(growthMb, 0), num((growthMb * 1024) / p.watchers, 0), num(p.outputMb, 1), String(p.watcherFailures)]));
  }
}

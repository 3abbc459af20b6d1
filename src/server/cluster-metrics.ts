// Counters and the commit latency histogram of a replicated node, kept cheaply on the write path
// and rendered in the Prometheus text format by the node's HTTP endpoint (runtime/cluster-http.ts).

/** Upper bounds of the commit latency buckets, in seconds. */
const latencyBucketsSeconds = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5] as const;

export class ClusterMetrics {
  proposalsTotal = 0;
  proposalFailuresTotal = 0;
  leaderChangesTotal = 0;
  private readonly bucketCounts = new Array<number>(latencyBucketsSeconds.length).fill(0);
  private latencyCount = 0;
  private latencySumSeconds = 0;

  /** A proposal from this leader was committed and applied after `ms` milliseconds. */
  observeCommitMs(ms: number): void {
    const seconds = ms / 1000;
    this.latencyCount++;
    this.latencySumSeconds += seconds;
    for (let i = 0; i < latencyBucketsSeconds.length; i++) {
      if (seconds <= latencyBucketsSeconds[i]!) {
        this.bucketCounts[i]!++;
        break;
      }
    }
  }

  /** The histogram as Prometheus lines (cumulative buckets). */
  commitLatencyLines(name: string): string[] {
    const lines = [`# HELP ${name} Time from proposal to applied on the leader.`, `# TYPE ${name} histogram`];
    let cumulative = 0;
    latencyBucketsSeconds.forEach((bound, i) => {
      cumulative += this.bucketCounts[i]!;
      lines.push(`${name}_bucket{le="${bound}"} ${cumulative}`);
    });
    lines.push(`${name}_bucket{le="+Inf"} ${this.latencyCount}`, `${name}_sum ${this.latencySumSeconds}`, `${name}_count ${this.latencyCount}`);
    return lines;
  }
}

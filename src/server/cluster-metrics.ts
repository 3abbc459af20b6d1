// Counters and the commit and fsync latency histograms of a replicated node, kept cheaply on the write path
// and rendered in the Prometheus text format by the node's HTTP endpoint (runtime/cluster/http.ts).

/** Upper bounds of the commit latency buckets, in seconds. */
const latencyBucketsSeconds = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5] as const;

/** A latency histogram with fixed buckets. */
export class LatencyHistogram {
  private readonly bucketCounts = new Array<number>(latencyBucketsSeconds.length).fill(0);
  private count = 0;
  private sumSeconds = 0;

  observeMs(ms: number): void {
    const seconds = ms / 1000;
    this.count++;
    this.sumSeconds += seconds;
    for (let i = 0; i < latencyBucketsSeconds.length; i++) {
      if (seconds <= latencyBucketsSeconds[i]!) {
        this.bucketCounts[i]!++;
        break;
      }
    }
  }

  /** Prometheus lines (cumulative buckets). */
  lines(name: string, help: string): string[] {
    const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
    let cumulative = 0;
    latencyBucketsSeconds.forEach((bound, i) => {
      cumulative += this.bucketCounts[i]!;
      lines.push(`${name}_bucket{le="${bound}"} ${cumulative}`);
    });
    lines.push(`${name}_bucket{le="+Inf"} ${this.count}`, `${name}_sum ${this.sumSeconds}`, `${name}_count ${this.count}`);
    return lines;
  }
}

export class ClusterMetrics {
  proposalsTotal = 0;
  proposalFailuresTotal = 0;
  leaderChangesTotal = 0;
  /** Proposal to applied, on the leader. */
  readonly commitLatency = new LatencyHistogram();
  /** One sync() of the Raft log and hard state. */
  readonly fsyncLatency = new LatencyHistogram();

  observeCommitMs(ms: number): void {
    this.commitLatency.observeMs(ms);
  }
}

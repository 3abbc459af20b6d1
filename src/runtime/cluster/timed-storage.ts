// ReplicaStorage that times every sync() (the fsyncs behind each Ready) into the node's metrics and
// passes everything else straight through (the background-sync failure listener included).

import { performance } from 'node:perf_hooks';
import type { Entry, HardState, PersistedState, Snapshot } from '../../raft/types.js';
import type { ReplicaStorage } from '../../replica/ports.js';
import type { LatencyHistogram } from '../../server/cluster-metrics.js';

export class TimedStorage implements ReplicaStorage {
  constructor(
    private readonly inner: ReplicaStorage,
    private readonly syncLatency: LatencyHistogram,
  ) {}

  load(): Promise<PersistedState | null> {
    return this.inner.load();
  }

  installSnapshot(snapshot: Snapshot): Promise<void> {
    return this.inner.installSnapshot(snapshot);
  }

  appendEntries(entries: readonly Entry[]): Promise<void> {
    return this.inner.appendEntries(entries);
  }

  saveHardState(hardState: HardState): Promise<void> {
    return this.inner.saveHardState(hardState);
  }

  async sync(): Promise<void> {
    const startedMs = performance.now();
    await this.inner.sync();
    this.syncLatency.observeMs(performance.now() - startedMs);
  }

  compact(snapshot: Snapshot): Promise<void> {
    return this.inner.compact(snapshot);
  }

  onFailure(listener: (error: Error) => void): void {
    this.inner.onFailure?.(listener);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

// Full garbage collections once a node is quiet after a compaction. A compaction leaves its
// snapshot buffer (as big as the state) and the compacted log entries behind as garbage, which V8
// collects only under allocation pressure — that a quiet node never has — so without this a node
// that stopped writing keeps two or three times its live memory resident. A second collection a
// few seconds later gives back the young generation too: V8 shrinks its new space (32 MiB once a
// load has grown it) only in a collection that sees a low allocation rate over its last ~5 s.
// Not while writes flow: then V8's own collections come soon enough, and a forced one would be a
// second pause. Not while clients send commands either: a full collection of a million-key heap
// holds the event loop for 150-450 ms, so it waits for a quiet period with no command at all (a
// reader's GETs included). A compaction in the middle of a load is collected once the load stops:
// the timer looks again every quietMs until a look finds the node quiet, and gives up after
// BUSY_LOOKS_MAX looks — a node that is never quiet has allocation enough for V8's own collections.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface IdleTimings {
  /** Quiet time (nothing applied) after a compaction before the first collection. */
  readonly quietMs: number;
  /** Quiet time after the first collection before the second, which shrinks the new space. */
  readonly shrinkAfterMs: number;
}

const TIMINGS: IdleTimings = { quietMs: 1000, shrinkAfterMs: 6000 };
/** Busy looks in a row after which the owed collections are given up (a bound on re-arming). */
const BUSY_LOOKS_MAX = 120;

export class IdleCollector {
  private timer: NodeJS.Timeout | null = null;
  private appliedSinceLook = false;
  /** Collections still owed for the last compaction: 2, 1 or 0. */
  private owed = 0;
  private busyLooks = 0;
  /** Commands served to clients so far (the server's count); constant until watchClients. */
  private commandsServed: () => number = () => 0;
  /** commandsServed() when the timer was armed. */
  private servedAtArm = 0;

  constructor(
    private readonly collect: (() => void) | null = exposedGc(),
    private readonly timings: IdleTimings = TIMINGS,
  ) {}

  /** Counts the server's commands: a collection waits for a period without any. */
  watchClients(commandsServed: () => number): void {
    this.commandsServed = commandsServed;
  }

  /** An entry was applied: the node is not quiet. */
  applied(): void {
    this.appliedSinceLook = true;
  }

  /** A compaction finished: collect once nothing was applied for quietMs, and again shrinkAfterMs later. */
  compacted(): void {
    if (this.collect === null) return;
    this.owed = 2;
    this.busyLooks = 0;
    this.appliedSinceLook = false;
    this.arm(this.timings.quietMs);
  }

  private arm(delayMs: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.servedAtArm = this.commandsServed();
    this.timer = setTimeout(() => this.look(), delayMs);
    this.timer.unref();
  }

  /** Collects if nothing was applied and no command served since the last look; otherwise looks again after quietMs. */
  private look(): void {
    this.timer = null;
    if (this.collect === null || this.owed === 0) return;
    const served = this.commandsServed() !== this.servedAtArm;
    if (this.appliedSinceLook || served) {
      if (++this.busyLooks > BUSY_LOOKS_MAX) {
        this.owed = 0;
        return;
      }
      // Writes flow again: start over, both collections owed once they stop.
      if (this.appliedSinceLook) this.owed = 2;
      this.appliedSinceLook = false;
      this.arm(this.timings.quietMs);
      return;
    }
    this.busyLooks = 0;
    this.collect();
    this.owed--;
    if (this.owed > 0) this.arm(this.timings.shrinkAfterMs);
  }
}

/** V8's gc(), which Node hides unless started with --expose-gc; null where the flag cannot be set. */
function exposedGc(): (() => void) | null {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? () => void gc() : null;
  } catch {
    return null;
  }
}

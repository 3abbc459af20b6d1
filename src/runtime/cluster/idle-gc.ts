// A full garbage collection once a node is quiet after a compaction. A compaction leaves its
// snapshot buffer (as big as the state) and the compacted log entries behind as garbage, which V8
// collects only under allocation pressure — that a quiet node never has — so without this a node
// that stopped writing keeps two or three times its live memory resident. Not while writes flow:
// then V8's own collections come soon enough, and a forced one would be a second pause. Not while
// clients send commands either: a full collection of a million-key heap holds the event loop for
// 150-450 ms, so it waits for a quiet period with no command at all (a reader's GETs included),
// and gives up after QUIET_WAITS_MAX periods — a node that is never quiet has allocation enough.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const QUIET_MS = 1000;
/** Quiet periods a collection waits for the clients to pause before it gives up (a bound on re-arming). */
const QUIET_WAITS_MAX = 120;

export class IdleCollector {
  private timer: NodeJS.Timeout | null = null;
  private appliedSinceCompaction = false;
  /** Commands served to clients so far (the server's count); constant until watchClients. */
  private commandsServed: () => number = () => 0;

  constructor(
    private readonly collect: (() => void) | null = exposedGc(),
    private readonly quietMs = QUIET_MS,
  ) {}

  /** Counts the server's commands: the collection waits for a period without any. */
  watchClients(commandsServed: () => number): void {
    this.commandsServed = commandsServed;
  }

  /** An entry was applied: the node is not quiet. */
  applied(): void {
    this.appliedSinceCompaction = true;
  }

  /** A compaction finished: collect once nothing was applied and no command served for a quiet period. */
  compacted(): void {
    if (this.collect === null) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.appliedSinceCompaction = false;
    this.arm(1);
  }

  private arm(wait: number): void {
    const collect = this.collect;
    if (collect === null) return;
    const servedBefore = this.commandsServed();
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.appliedSinceCompaction) return;
      if (this.commandsServed() === servedBefore) collect();
      else if (wait < QUIET_WAITS_MAX) this.arm(wait + 1);
    }, this.quietMs);
    this.timer.unref();
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

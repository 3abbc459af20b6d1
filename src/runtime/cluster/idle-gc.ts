// A full garbage collection once a node is quiet after a compaction. A compaction leaves its
// snapshot buffer (as big as the state) and the compacted log entries behind as garbage, which V8
// collects only under allocation pressure — that a quiet node never has — so without this a node
// that stopped writing keeps two or three times its live memory resident. Not while writes flow:
// then V8's own collections come soon enough, and a forced one would be a second pause.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const QUIET_MS = 1000;

export class IdleCollector {
  private timer: NodeJS.Timeout | null = null;
  private appliedSinceCompaction = false;

  constructor(private readonly collect: (() => void) | null = exposedGc()) {}

  /** An entry was applied: the node is not quiet. */
  applied(): void {
    this.appliedSinceCompaction = true;
  }

  /** A compaction finished: collect once nothing was applied for QUIET_MS. */
  compacted(): void {
    const collect = this.collect;
    if (collect === null) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.appliedSinceCompaction = false;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.appliedSinceCompaction) collect();
    }, QUIET_MS);
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

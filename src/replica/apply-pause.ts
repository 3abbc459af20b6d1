// Applying paused for reads that run in steps on this node's state (a read-only script: EVAL_RO,
// FCALL_RO, ...): the script yields to the event loop between its steps, and nothing may change the
// state it reads meanwhile. Raft goes on — persisting, sending, acknowledging, confirming reads —
// only committed entries wait here, in order, and are applied when the last pause ends. Pauses nest
// (a read queued behind one script may start the next before the first one's pause ends).

import { assert } from '../lib/assert.js';
import { deferred, type Deferred } from '../lib/deferred.js';
import type { Entry } from '../raft/types.js';
import { HeldEntries } from './held-entries.js';

export class ApplyPause {
  private count = 0;
  private readonly held = new HeldEntries();
  /** Settles when the last pause ends; undefined while none is on. */
  private ended: Deferred<void> | undefined;

  get paused(): boolean {
    return this.count > 0;
  }

  /** Settles once no pause is on (at once when none is). */
  get done(): Promise<void> {
    return this.ended?.promise ?? Promise.resolve();
  }

  hold(entry: Entry): void {
    assert(this.count > 0, 'entries are held only while applying is paused');
    this.held.hold(entry);
  }

  /** Starts a pause; `resume` (called once) ends it and, when it was the last, gets the entries held meanwhile, oldest first. */
  pause(resume: (held: Entry[]) => void): () => void {
    this.count++;
    this.ended ??= deferred<void>();
    let ended = false;
    return () => {
      assert(!ended, 'a pause ends once');
      ended = true;
      this.count--;
      assert(this.count >= 0, 'pauses end as often as they start');
      if (this.count > 0) return;
      const finished = this.ended;
      this.ended = undefined;
      resume(this.held.release());
      finished?.resolve();
    };
  }
}

// One committed entry applied in steps (the state machine returned a PendingApply: a long script).
// The replica keeps handling Readies meanwhile — persisting, sending heartbeats, confirming reads —
// so a script that runs for seconds on every replica costs no leadership; but nothing else may
// touch the state until the entry is done: later committed entries are held here, in order, and
// snapshots wait (an encoding would capture half an entry; an install waits for `done`).

import { assert } from '../lib/assert.js';
import { deferred, type Deferred } from '../lib/deferred.js';
import { asError } from '../lib/errors.js';
import type { Reply } from '../lib/reply.js';
import type { Entry } from '../raft/types.js';
import { HeldEntries } from './held-entries.js';
import type { Steps } from './ports.js';
import { runSteps, type StepPace } from './stepped-snapshot.js';

export class SteppedApply {
  private readonly held = new HeldEntries();
  private readonly finished: Deferred<void> = deferred<void>();
  private running = true;

  constructor(
    /** The entry being applied. */
    readonly entry: Entry,
    /** When its apply began (monotonic ms), for "busy since". */
    readonly startedAtMs: number,
  ) {}

  /** Settles once the apply ended (done, failed or given up). */
  get done(): Promise<void> {
    return this.finished.promise;
  }

  get applying(): boolean {
    return this.running;
  }

  hold(entry: Entry): void {
    assert(this.running, 'entries are held only while an entry is being applied');
    this.held.hold(entry);
  }

  /**
   * Runs the steps beside the caller's loop; when they end, `finish` gets the entry's replies (null
   * if the replica stopped first) and the entries held meanwhile, to apply at once, in order.
   */
  run(steps: Steps<Reply[]>, pace: StepPace, stopped: () => boolean, finish: (replies: Reply[] | null, held: Entry[]) => void, failed: (error: Error) => void): void {
    const end = (replies: Reply[] | null): void => {
      this.running = false;
      this.finished.resolve();
      finish(replies, this.held.release());
    };
    runSteps(steps, pace, stopped).then(end, (error: unknown) => {
      this.running = false;
      this.finished.resolve();
      failed(asError(error));
    });
  }
}

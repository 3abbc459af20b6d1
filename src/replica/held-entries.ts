// Committed entries a replica holds back while its state must not change (a snapshot being encoded,
// an entry being applied in steps): kept in index order, handed back all at once when the hold ends.

import { assert } from '../lib/assert.js';
import type { Entry } from '../raft/types.js';

export class HeldEntries {
  private readonly entries: Entry[] = [];

  hold(entry: Entry): void {
    const last = this.entries[this.entries.length - 1];
    assert(last === undefined || entry.index === last.index + 1, 'held entries follow each other');
    this.entries.push(entry);
  }

  /** Every held entry, oldest first; none are held afterwards. */
  release(): Entry[] {
    return this.entries.splice(0);
  }
}

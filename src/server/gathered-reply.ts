// The reply of one write gathered into a client's entry (session.ts), before that entry is
// applied: which entry and which command of it. The connection awaits the entry's replies once for
// all the commands of a pipeline and picks each one out, instead of a promise per command.

import { assert } from '../lib/assert.js';
import type { Reply } from '../lib/reply.js';

/** What a gathered reply needs of its entry: its commands (so far) and the replies to come. */
export interface GatheredEntry {
  readonly commands: readonly unknown[];
  /** Never rejects: a failed write is one error reply. */
  readonly result: Promise<Reply[]>;
}

export class GatheredReply {
  constructor(
    private readonly entry: GatheredEntry,
    private readonly index: number,
  ) {
    assert(Number.isInteger(index) && index >= 0, 'a gathered reply has a command index');
  }

  get result(): Promise<Reply[]> {
    return this.entry.result;
  }

  /** This command's reply among its entry's; a failed entry answers every command with its one error. */
  pick(replies: readonly Reply[]): Reply {
    const reply = replies[replies.length === this.entry.commands.length ? this.index : 0];
    assert(reply !== undefined, 'an entry answers each command or fails with one error');
    return reply;
  }

  toPromise(): Promise<Reply> {
    return this.entry.result.then((replies) => this.pick(replies));
  }
}

/** A command's outcome as the session hands it to the connection. */
export type TurnReply = Reply | Promise<Reply> | GatheredReply;

/** The same outcome as a plain reply or promise of one. */
export function settleable(reply: TurnReply): Reply | Promise<Reply> {
  return reply instanceof GatheredReply ? reply.toPromise() : reply;
}

// What the bench's clusters of member processes share, whatever the system (Cairn, etcd): each
// member's child process (null while stopped), which members are live, killing one (-9) and
// restarting it on its data dir until it has caught up with the leader's index. A subclass starts
// members, finds the leader and reads a member's index.
import { assert } from '../../src/lib/assert.js';
import { waitFor, type Child, type Procs } from './procs.js';

export const startTimeoutMs = 30_000;

export interface MemberProcess {
  child: Child | null;
}

export abstract class MemberProcesses<M extends MemberProcess> {
  protected constructor(protected readonly procs: Procs, protected readonly members: M[]) {}

  get size(): number {
    return this.members.length;
  }

  pid(member: number): number {
    const pid = this.members[member]!.child?.proc.pid;
    assert(pid !== undefined, `member ${member} is not running`);
    return pid;
  }

  live(): number[] {
    return this.members.flatMap((m, i) => (m.child !== null && m.child.alive() ? [i] : []));
  }

  async kill(member: number): Promise<void> {
    const child = this.members[member]!.child;
    assert(child !== null, `member ${member} is not running`);
    this.members[member]!.child = null;
    await this.procs.kill(child);
  }

  /** Starts a stopped member on its data dir and waits until it has applied the leader's index. */
  async restart(member: number): Promise<void> {
    assert(this.members[member]!.child === null, `member ${member} is still running`);
    await this.startMember(member);
    const leaderIndex = await this.appliedIndex(await this.leader(startTimeoutMs));
    await waitFor(`member ${member} to catch up to index ${leaderIndex}`, async () => {
      const index = await this.appliedIndex(member).catch(() => undefined);
      return index !== undefined && index >= leaderIndex ? true : undefined;
    }, startTimeoutMs);
  }

  abstract leader(timeoutMs: number): Promise<number>;

  /** The member's applied (Cairn) or raft (etcd) index. */
  protected abstract appliedIndex(member: number): Promise<number>;

  protected abstract startMember(member: number): Promise<void>;
}

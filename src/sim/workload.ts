// Simulated clients: each issues one operation at a time (SET, INCRBY, DEL through the log; GET
// as a ReadIndex read) on a few keys, against the node it believes leads, and records every
// operation in the linearizability history — ok, fail (certainly no effect) or unknown (timeout,
// crash: it may or may not have taken effect).

import { assert } from '../lib/assert.js';
import { errorStack, isCairnError } from '../lib/errors.js';
import type { Prng } from '../lib/prng.js';
import type { Reply } from '../lib/reply.js';
import type { HistoryRecorder, PendingOperation } from '../check/recorder.js';
import { NotLeaderError } from '../replica/errors.js';
import type { StateMachine } from '../replica/ports.js';
import type { SimClock } from './clock.js';
import type { SimCluster } from './cluster.js';
import type { SimModel, WriteOp } from './model.js';
import type { Trace } from './trace.js';

export interface WorkloadOptions {
  clients: number;
  keys: readonly string[];
  /** A client gives up on an operation after this long (recorded as unknown for writes). */
  opTimeoutMs: number;
  thinkMinMs: number;
  thinkMaxMs: number;
  maxOpsPerClient: number;
}

type Outcome = { kind: 'ok'; value: Reply[] | string | null } | { kind: 'error'; error: unknown } | { kind: 'timeout' };

export class Workload<S extends StateMachine> {
  private running = false;
  opsInvoked = 0;
  /** Simulated time of the latest write acknowledged to a client. */
  lastWriteAckMs = -1;
  writesAcked = 0;
  readsOk = 0;

  constructor(
    private readonly cluster: SimCluster<S>,
    private readonly model: SimModel<S>,
    private readonly recorder: HistoryRecorder,
    private readonly prng: Prng,
    private readonly trace: Trace,
    private readonly clock: SimClock,
    private readonly options: WorkloadOptions,
    /** Called when a request fails with something other than a CairnError: a bug, not a fault. */
    private readonly reportBug: (message: string) => void,
  ) {
    assert(options.clients > 0, 'a workload needs clients');
    assert(options.keys.length > 0, 'a workload needs keys');
  }

  start(): void {
    this.running = true;
    for (let clientId = 0; clientId < this.options.clients; clientId++) {
      this.clock.setTimer(this.prng.int(0, this.options.thinkMaxMs), () => this.stepSafely(clientId, 0, null));
    }
  }

  stop(): void {
    this.running = false;
  }

  /** A client that throws is a bug in the harness or the replica: report it, never lose it. */
  private stepSafely(clientId: number, opsDone: number, leaderGuess: string | null): void {
    this.step(clientId, opsDone, leaderGuess).catch((error: unknown) => {
      this.reportBug(`client c${clientId} threw: ${errorStack(error)}`);
    });
  }

  private async step(clientId: number, opsDone: number, leaderGuess: string | null): Promise<void> {
    if (!this.running || opsDone >= this.options.maxOpsPerClient) return;
    const target = this.pickTarget(leaderGuess);
    const nextGuess = target === undefined ? null : await this.operate(clientId, target);
    this.clock.setTimer(this.prng.int(this.options.thinkMinMs, this.options.thinkMaxMs), () => this.stepSafely(clientId, opsDone + 1, nextGuess));
  }

  /** Runs one random operation against `target`; returns the client's next guess of the leader. */
  private async operate(clientId: number, target: string): Promise<string | null> {
    const replica = this.cluster.replica(target);
    assert(replica !== undefined, `${target} is not up`);
    const key = this.prng.pick(this.options.keys);
    const roll = this.prng.int(0, 99);
    this.opsInvoked++;
    if (roll < 35) {
      const op = this.recorder.invoke(clientId, key, { kind: 'read' });
      const outcome = await this.withTimeout(replica.read((state) => this.model.read(state, key, this.clock.nowMs())));
      return this.finishRead(clientId, target, key, op, outcome);
    }
    const write: WriteOp =
      roll < 65 ? { kind: 'write', key, value: String(this.prng.int(0, 999)) } : roll < 85 ? { kind: 'incr', key, delta: this.prng.int(1, 5) } : { kind: 'delete', key };
    const op = this.recorder.invoke(clientId, key, write.kind === 'write' ? { kind: 'write', value: write.value } : write.kind === 'incr' ? { kind: 'incr', delta: write.delta } : { kind: 'delete' });
    const outcome = await this.withTimeout(replica.propose(this.model.encode(write, this.clock.nowMs())));
    return this.finishWrite(clientId, target, write, op, outcome);
  }

  private finishRead(clientId: number, target: string, key: string, op: PendingOperation<'read'>, outcome: Outcome): string | null {
    const label = `c${clientId} GET ${key} via ${target}`;
    if (outcome.kind === 'ok') {
      const value = outcome.value as string | null;
      op.ok(value);
      this.readsOk++;
      this.trace.add(this.clock.monotonicMs(), `${label} -> ${value} (#${op.id})`);
      return target;
    }
    op.fail(); // a read that failed or timed out observed nothing
    return this.afterError(label, op.id, outcome);
  }

  private finishWrite(clientId: number, target: string, write: WriteOp, op: PendingOperation<WriteOp['kind']>, outcome: Outcome): string | null {
    const label = `c${clientId} ${describeWrite(write)} via ${target}`;
    if (outcome.kind === 'ok') {
      const replies = outcome.value as Reply[];
      const reply = replies[0];
      if (reply === undefined || reply.type === 'error') {
        op.fail();
        this.trace.add(this.clock.monotonicMs(), `${label} -> error reply (#${op.id})`);
        return target;
      }
      if (write.kind === 'write') (op as PendingOperation<'write'>).ok();
      else if (write.kind === 'incr') (op as PendingOperation<'incr'>).ok(integerOf(reply));
      else (op as PendingOperation<'delete'>).ok(integerOf(reply));
      this.writesAcked++;
      this.lastWriteAckMs = this.clock.monotonicMs();
      this.trace.add(this.clock.monotonicMs(), `${label} -> ok ${describeReply(reply)} (#${op.id})`);
      return target;
    }
    // Only a refusal before the entry reached the log proves the write had no effect.
    const certain = outcome.kind === 'error' && (isCairnError(outcome.error, 'CAIRN_NOT_LEADER') || isCairnError(outcome.error, 'CAIRN_BUSY'));
    if (certain) op.fail();
    else op.unknown();
    return this.afterError(label, op.id, outcome);
  }

  private afterError(label: string, id: number, outcome: Outcome): string | null {
    if (outcome.kind === 'error' && !isCairnError(outcome.error)) {
      const error = outcome.error;
      this.reportBug(`${label} failed with a non-Cairn error: ${errorStack(error)}`);
    }
    const why = outcome.kind === 'timeout' ? 'client timeout' : outcome.kind === 'error' ? errorText(outcome.error) : 'ok';
    this.trace.add(this.clock.monotonicMs(), `${label} -> ${why} (#${id})`);
    if (outcome.kind === 'error' && outcome.error instanceof NotLeaderError) return outcome.error.leaderId;
    return null;
  }

  private pickTarget(leaderGuess: string | null): string | undefined {
    const up = this.cluster.upIds();
    if (up.length === 0) return undefined;
    if (leaderGuess !== null && up.includes(leaderGuess) && this.prng.chance(0.9)) return leaderGuess;
    return this.prng.pick(up);
  }

  private withTimeout<T>(promise: Promise<T>): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      const timer = this.clock.setTimer(this.options.opTimeoutMs, () => resolve({ kind: 'timeout' }));
      promise.then(
        (value) => {
          timer.cancel();
          resolve({ kind: 'ok', value: value as Reply[] | string | null });
        },
        (error: unknown) => {
          timer.cancel();
          resolve({ kind: 'error', error });
        },
      );
    });
  }
}

function integerOf(reply: Reply): number {
  assert(reply.type === 'integer', `expected an integer reply, got ${reply.type}`);
  return Number(reply.value);
}

function describeWrite(write: WriteOp): string {
  if (write.kind === 'write') return `SET ${write.key} ${write.value}`;
  if (write.kind === 'incr') return `INCRBY ${write.key} ${write.delta}`;
  return `DEL ${write.key}`;
}

function describeReply(reply: Reply): string {
  if (reply.type === 'integer') return String(reply.value);
  if (reply.type === 'simple') return reply.value;
  return reply.type;
}

function errorText(error: unknown): string {
  if (isCairnError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

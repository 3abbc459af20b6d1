// Reads served from this node's own applied state, and the read-only scripts among them run in
// steps: EVAL_RO, EVALSHA_RO, FCALL_RO, and EVAL/EVALSHA/FCALL of a script that cannot write
// (kv/read-only.ts). Such a script runs on this node alone, so unlike a script in the log it may be
// killed (SCRIPT KILL / FUNCTION KILL), and it must not freeze the node: after its first slice it
// runs about 100,000 Lua instructions per event-loop turn, so other clients are read and answered
// (-BUSY past busy-reply-threshold, busy-script.ts) and Raft goes on.
//
// It stays atomic: while it runs, the replica holds committed entries instead of applying them
// (Replica.pauseApplying), and every read served here waits for its end — as reads wait for an
// entry applied in steps (a long script in the log). Reads that waited run first, on the state the
// script saw; the held entries are applied a turn later. The pause is bounded by the script's
// instruction limit.

import { deferred } from '../lib/deferred.js';
import type { Reply } from '../lib/reply.js';
import type { Clock } from '../io/clock.js';
import type { KvMachine } from '../replica/kv-machine.js';
import type { Replica } from '../replica/replica.js';
import type { ScriptStepper } from '../kv/state.js';
import { isScriptRead, refuseAsRead } from '../kv/read-only.js';
import { functionStatsReply } from '../kv/function-commands.js';
import type { RunningScript } from './backend.js';
import { readLocally } from './local-read.js';

/** Budget units per step of a read script (× kv's SCRIPT_INSTRUCTIONS_PER_BUDGET: 100,000 Lua instructions, about 10 ms). */
const STEP_BUDGET = 2000;

export interface ReadScriptsOptions {
  readonly replica: Replica<KvMachine>;
  readonly machine: KvMachine;
  readonly clock: Clock;
  /** The time a read runs at (ms since the epoch, an integer). */
  readonly nowMs: () => number;
  /** Runs a command through the log: FCALL whose function gained writes since it was found read-only. */
  readonly write: (argv: readonly Uint8Array[], db: number) => Promise<Reply>;
}

interface Running {
  readonly steps: ScriptStepper;
  readonly startedAtMs: number;
  readonly done: Promise<void>;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class ReadScripts {
  private running: Running | undefined;

  constructor(private readonly options: ReadScriptsOptions) {}

  /** Since when (monotonic ms) the state has been busy with a script, in the log or read here; null when it is not. */
  busySinceMs(): number | null {
    return this.running?.startedAtMs ?? this.options.replica.applyingSinceMs();
  }

  /** The script that keeps the state busy, if one does: killable when it runs here as a read. */
  script(): RunningScript | undefined {
    if (this.busySinceMs() === null) return undefined;
    const kind = this.options.machine.state.scriptRunning?.kind ?? 'eval';
    const running = this.running;
    const functionStats = (): Reply => this.functionStats();
    return running === undefined ? { kind, functionStats } : { kind, functionStats, kill: () => running.steps.kill() };
  }

  /** FUNCTION STATS while the state is busy: the function running, its command and for how long (nil while a script runs). */
  private functionStats(): Reply {
    const state = this.options.machine.state;
    const running = state.scriptRunning;
    const since = this.busySinceMs();
    const durationMs = since === null ? 0 : this.options.clock.monotonicMs() - since;
    return functionStatsReply(state.functions, running?.kind === 'function' ? { argv: running.argv, durationMs: Math.floor(durationMs) } : undefined);
  }

  /** Runs `query` on the applied state once no script runs on it (at once when none does). */
  whenIdle<T>(query: () => T | Promise<T>): T | Promise<T> {
    const busy = this.running?.done ?? (this.options.replica.applyingSinceMs() === null ? undefined : this.options.replica.applyingDone());
    if (busy === undefined) return query();
    // Again after the wait: a read queued beside this one may have started the next script.
    return busy.then(() => this.whenIdle(query));
  }

  /** Runs a read on this node's applied state (its caller chose when: at once, or once a ReadIndex is applied). */
  read(argv: readonly Uint8Array[], db: number): Reply | Promise<Reply> {
    // Nothing runs in steps (every read but a few): at once, without a closure.
    if (this.running === undefined && this.options.replica.applyingSinceMs() === null) return this.readNow(argv, db);
    return this.whenIdle(() => this.readNow(argv, db));
  }

  private readNow(argv: readonly Uint8Array[], db: number): Reply | Promise<Reply> {
    const state = this.options.machine.state;
    if (!isScriptRead(argv)) return readLocally(state, argv, this.options.nowMs(), db);
    // Checked again as it runs: FCALL's function may have been replaced by one that writes.
    if (refuseAsRead(argv, state) !== undefined) return this.options.write(argv, db);
    const reply = state.executeSteps(argv, this.options.nowMs(), db);
    return 'step' in reply ? this.runInSteps(reply) : reply;
  }

  /** Runs a script's steps one event-loop turn apart, with applying paused; its reply (Redis's killed error if killed). */
  private async runInSteps(steps: ScriptStepper): Promise<Reply> {
    const resume = this.options.replica.pauseApplying();
    const finished = deferred<void>();
    this.running = { steps, startedAtMs: this.options.clock.monotonicMs(), done: finished.promise };
    try {
      for (;;) {
        await nextTurn();
        const reply = steps.step(STEP_BUDGET);
        if (reply !== null) return reply;
      }
    } finally {
      this.running = undefined;
      finished.resolve();
      // The reads that waited run first (microtasks), on the state the script saw; then the entries held.
      setImmediate(resume);
    }
  }
}

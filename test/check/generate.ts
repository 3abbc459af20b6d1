// Test helpers: hand-built operations, and random histories produced by a simulated register that
// is linearizable by construction (every operation takes effect at a random point inside its
// interval, one key at a time), plus ways to plant an anomaly that no order can explain.

import { Prng } from '../../src/lib/prng.js';
import type { Operation, OperationInput, OperationStatus, Value } from '../../src/check/index.js';

type Extra = { output?: unknown; status?: OperationStatus; clientId?: number; key?: string };

/** A history builder for hand-made cases: `b.op(0, 1, { kind: 'write', value: 'a' })`. */
export class Builder {
  readonly ops: Operation[] = [];

  op(invokeTime: number, completeTime: number, input: OperationInput, extra: Extra = {}): Operation {
    const status = extra.status ?? 'ok';
    const op = {
      id: this.ops.length,
      clientId: extra.clientId ?? this.ops.length,
      key: extra.key ?? 'k',
      status,
      invokeTime,
      completeTime,
      ...input,
      ...(extra.output !== undefined && status === 'ok' ? { output: extra.output } : {}),
    } as Operation;
    this.ops.push(op);
    return op;
  }

  read(t0: number, t1: number, output: Value, extra: Extra = {}): Operation {
    return this.op(t0, t1, { kind: 'read' }, { ...extra, output });
  }

  write(t0: number, t1: number, value: string, extra: Extra = {}): Operation {
    return this.op(t0, t1, { kind: 'write', value }, extra);
  }

  cas(t0: number, t1: number, expected: Value, value: string, matched: boolean | undefined, extra: Extra = {}): Operation {
    return this.op(t0, t1, { kind: 'cas', expected, value }, matched === undefined ? extra : { ...extra, output: matched });
  }

  incr(t0: number, t1: number, delta: number, output: number | undefined, extra: Extra = {}): Operation {
    return this.op(t0, t1, { kind: 'incr', delta }, output === undefined ? extra : { ...extra, output });
  }

  del(t0: number, t1: number, output: number | undefined, extra: Extra = {}): Operation {
    return this.op(t0, t1, { kind: 'delete' }, output === undefined ? extra : { ...extra, output });
  }
}

export interface RandomHistoryOptions {
  readonly seed: number;
  readonly clients: number;
  readonly operations: number;
  readonly keys: number;
  /** Relative weights of read, write, cas, delete, incr. */
  readonly mix?: readonly [number, number, number, number, number];
  readonly unknownRate?: number;
  readonly failRate?: number;
  readonly maxLatency?: number;
  /** The increments incr operations pick from (default 1, 2, 3). */
  readonly incrDeltas?: readonly number[];
}

interface Draft {
  id: number;
  clientId: number;
  key: string;
  input: OperationInput;
  status: OperationStatus;
  invokeTime: number;
  completeTime: number;
  /** When it takes effect, or null when it does not (fail, or an unknown that was lost). */
  point: number | null;
  output?: unknown;
}

/** A linearizable history: each client runs operations back to back, each acting at a random instant. */
export function randomHistory(options: RandomHistoryOptions): Operation[] {
  const prng = new Prng(options.seed);
  const drafts = draftOperations(prng, options);
  const byPoint = drafts.filter((d) => d.point !== null).sort((a, b) => a.point! - b.point!);
  const state = new Map<string, Value>();
  for (const draft of byPoint) applyDraft(prng, draft, state, drafts);
  return drafts
    .sort((a, b) => a.invokeTime - b.invokeTime || a.id - b.id)
    .map((d) => {
      const withOutput = d.status === 'ok' && d.output !== undefined ? { output: d.output } : {};
      const { input, point: _point, output: _output, ...common } = d;
      return { ...common, ...input, ...withOutput } as Operation;
    });
}

function draftOperations(prng: Prng, options: RandomHistoryOptions): Draft[] {
  const mix = options.mix ?? [4, 2, 2, 1, 2];
  const maxLatency = options.maxLatency ?? 10;
  const cursors = Array.from({ length: options.clients }, () => prng.int(0, maxLatency));
  const drafts: Draft[] = [];
  for (let id = 0; id < options.operations; id++) {
    const clientId = prng.int(0, options.clients - 1);
    const invokeTime = cursors[clientId]! + prng.int(0, 2);
    const completeTime = invokeTime + prng.int(1, maxLatency);
    cursors[clientId] = completeTime + 1;
    const roll = prng.next();
    const status: OperationStatus =
      roll < (options.failRate ?? 0) ? 'fail' : roll < (options.failRate ?? 0) + (options.unknownRate ?? 0) ? 'unknown' : 'ok';
    const takesEffect = status === 'ok' || (status === 'unknown' && prng.chance(0.5));
    // An unknown operation that took effect may do so after the client gave up.
    const latest = status === 'unknown' ? completeTime + maxLatency : completeTime;
    const point = takesEffect ? invokeTime + prng.next() * (latest - invokeTime) : null;
    const key = `k${prng.int(0, options.keys - 1)}`;
    drafts.push({ id, clientId, key, input: pickInput(prng, mix, id, options.incrDeltas ?? [1, 2, 3]), status, invokeTime, completeTime, point });
  }
  return drafts;
}

function pickInput(prng: Prng, mix: readonly number[], id: number, deltas: readonly number[]): OperationInput {
  let roll = prng.next() * mix.reduce((a, b) => a + b, 0);
  const kinds = ['read', 'write', 'cas', 'delete', 'incr'] as const;
  let kind: (typeof kinds)[number] = 'read';
  for (let i = 0; i < kinds.length; i++) {
    roll -= mix[i]!;
    if (roll < 0) {
      kind = kinds[i]!;
      break;
    }
  }
  switch (kind) {
    case 'read':
      return { kind };
    case 'write':
      return { kind, value: prng.chance(0.5) ? `v${id}` : String(id * 1000) };
    case 'cas':
      return { kind, expected: null, value: `c${id}` }; // expected is chosen when it acts
    case 'delete':
      return { kind };
    case 'incr':
      return { kind, delta: prng.pick(deltas) };
  }
}

/** Applies one operation at its point; its outputs follow from the register's value there. */
function applyDraft(prng: Prng, draft: Draft, state: Map<string, Value>, all: Draft[]): void {
  const current = state.get(draft.key) ?? null;
  const input = draft.input;
  switch (input.kind) {
    case 'read':
      draft.output = current;
      return;
    case 'write':
      state.set(draft.key, input.value);
      return;
    case 'cas': {
      // Mostly expect the current value, so that many cas operations match.
      const expected = prng.chance(0.6) ? current : prng.chance(0.5) ? null : `v${prng.int(0, all.length)}`;
      draft.input = { ...input, expected };
      draft.output = expected === current;
      if (expected === current) state.set(draft.key, input.value);
      return;
    }
    case 'delete':
      draft.output = current === null ? 0 : 1;
      state.set(draft.key, null);
      return;
    case 'incr': {
      const n = current === null ? 0 : /^(0|-?[1-9][0-9]*)$/.test(current) ? Number(current) : null;
      if (n === null) {
        draft.status = 'fail'; // INCR on a non-integer is an error that changes nothing
        draft.point = null;
        return;
      }
      draft.output = n + input.delta;
      state.set(draft.key, String(n + input.delta));
      return;
    }
  }
}

/**
 * Plants a stale read: finds ok writes w1 then w2 (w1 completed before w2 began) and an ok read
 * invoked after w2 completed, and makes the read return w1's value. Values of writes are unique,
 * so no order explains it. Returns the read's id, or null when the history has no such triple.
 */
export function plantStaleRead(history: Operation[], prng: Prng): number | null {
  const starts = prng.int(0, history.length - 1);
  for (let step = 0; step < history.length; step++) {
    const r = history[(starts + step) % history.length]!;
    if (r.kind !== 'read' || r.status !== 'ok') continue;
    const writes = history.filter(
      (w) => w.key === r.key && w.kind === 'write' && w.status === 'ok' && w.completeTime < r.invokeTime,
    );
    const w2 = writes.find((w) => writes.some((w1) => w1.completeTime < w.invokeTime));
    if (w2 === undefined || w2.kind !== 'write') continue;
    const w1 = writes.find((w) => w.completeTime < w2.invokeTime)!;
    if (w1.kind !== 'write' || w1.value === w2.value) continue;
    history[history.indexOf(r)] = { ...r, output: w1.value };
    return r.id;
  }
  return null;
}

// Records a history the way every client in Cairn's tests does: invoke() when a request is sent,
// then exactly one of ok(output), fail() or unknown() on its handle. Times come from the caller's
// clock function, so simulated clients record ticks and real ones milliseconds.

import { CairnError } from '../lib/errors.js';
import type { Operation, OperationInput, OperationKind, OperationStatus, OutputByKind } from './history.js';

/** The arguments of ok() per kind: nothing for write, an optional DEL count for delete. */
export type OkArguments<K extends OperationKind> = K extends 'write'
  ? []
  : K extends 'delete'
    ? [deleted?: number]
    : [output: OutputByKind[K]];

export interface PendingOperation<K extends OperationKind> {
  readonly id: number;
  ok(...output: OkArguments<K>): void;
  fail(): void;
  unknown(): void;
}

interface Slot {
  readonly id: number;
  readonly clientId: number;
  readonly key: string;
  readonly input: OperationInput;
  readonly invokeTime: number;
  status: OperationStatus | 'pending';
  output: OutputByKind[OperationKind];
  completeTime: number;
}

export class HistoryRecorder {
  private readonly slots: Slot[] = [];

  /**
   * @param now the clock every time is read from (ticks or ms; non-decreasing)
   * @param maxOperations invoke() refuses beyond this many, so a runaway workload cannot exhaust memory
   */
  constructor(
    private readonly now: () => number,
    private readonly maxOperations = 1_000_000,
  ) {
    if (!Number.isInteger(maxOperations) || maxOperations <= 0) {
      throw new CairnError('CAIRN_INVALID_ARGUMENT', `maxOperations must be a positive integer, got ${maxOperations}`);
    }
  }

  get size(): number {
    return this.slots.length;
  }

  /** Records that clientId sent a request now; resolve the handle once the reply (or its absence) is known. */
  invoke<I extends OperationInput>(clientId: number, key: string, input: I): PendingOperation<I['kind']> {
    if (this.slots.length >= this.maxOperations) {
      throw new CairnError('CAIRN_INVALID_ARGUMENT', `history recorder is full (maxOperations=${this.maxOperations})`);
    }
    const slot: Slot = {
      id: this.slots.length,
      clientId,
      key,
      input: { ...input },
      invokeTime: this.now(),
      status: 'pending',
      output: undefined,
      completeTime: Number.NaN,
    };
    this.slots.push(slot);
    const settle = (status: OperationStatus, output: OutputByKind[OperationKind]): void => {
      if (slot.status !== 'pending') {
        throw new CairnError('CAIRN_INVALID_ARGUMENT', `operation #${slot.id} was already resolved as ${slot.status}`);
      }
      slot.status = status;
      slot.output = output;
      slot.completeTime = this.now();
    };
    return {
      id: slot.id,
      ok: (...output: OkArguments<I['kind']>) => settle('ok', output[0]),
      fail: () => settle('fail', undefined),
      unknown: () => settle('unknown', undefined),
    };
  }

  /**
   * The history so far, in invocation order. Operations still pending are reported as unknown,
   * completing now: a client that never heard back cannot know whether they took effect.
   */
  history(): Operation[] {
    const nowTime = this.now();
    return this.slots.map((slot) => toOperation(slot, nowTime));
  }
}

function toOperation(slot: Slot, nowTime: number): Operation {
  const pending = slot.status === 'pending';
  const status: OperationStatus = pending ? 'unknown' : (slot.status as OperationStatus);
  const common = {
    id: slot.id,
    clientId: slot.clientId,
    key: slot.key,
    status,
    invokeTime: slot.invokeTime,
    completeTime: pending ? Math.max(nowTime, slot.invokeTime) : slot.completeTime,
  };
  const withOutput = status === 'ok' && slot.output !== undefined ? { output: slot.output } : {};
  return { ...common, ...slot.input, ...withOutput } as Operation;
}

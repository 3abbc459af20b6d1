// Runs asynchronous disk operations one at a time, in the order they were queued. Once one fails
// the queue is failed for good: every later operation rejects with the first failure, because
// after a failed write or fsync the file's durable contents are unknown (see fsyncgate).

import { assert } from '../lib/assert.js';
import { CairnError, errorMessage, isCairnError } from '../lib/errors.js';

export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private failure: CairnError | null = null;
  private pendingCount = 0;

  constructor(private readonly describe: string) {}

  get failed(): CairnError | null {
    return this.failure;
  }

  /** Operations queued or running. */
  get pending(): number {
    return this.pendingCount;
  }

  run<T>(op: () => Promise<T>): Promise<T> {
    assert(this.pendingCount >= 0, 'pending count never negative');
    this.pendingCount++;
    const result = this.tail.then(() => {
      if (this.failure !== null) throw this.failure;
      return op();
    });
    this.tail = result.then(
      () => {
        this.pendingCount--;
      },
      (error: unknown) => {
        this.pendingCount--;
        this.failure ??= toCairnError(error, this.describe);
      },
    );
    const outcome = result.catch((error: unknown) => {
      throw this.failure ?? toCairnError(error, this.describe);
    });
    // A caller may drop the promise (a write merged into a later one, a background roll): the
    // failure is not lost, because every later operation rejects with it.
    outcome.catch(() => undefined);
    return outcome;
  }

  /** Resolves once everything queued so far has finished (successfully or not). */
  async drain(): Promise<void> {
    await this.tail;
  }
}

function toCairnError(error: unknown, describe: string): CairnError {
  if (isCairnError(error)) return error;
  const message = errorMessage(error);
  return new CairnError('CAIRN_IO', `${describe}: ${message}`, { cause: error });
}

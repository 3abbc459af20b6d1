// A promise with its settle functions in hand, for requests that callers share and that settle later
// from elsewhere (a compaction asked for now and run between Ready batches).

import { assert } from './assert.js';

export interface Deferred<T> {
  readonly promise: Promise<T>;
  readonly resolve: (value: T) => void;
  readonly reject: (error: Error) => void;
}

export function deferred<T>(): Deferred<T> {
  let resolve: ((value: T) => void) | undefined;
  let reject: ((error: Error) => void) | undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  assert(resolve !== undefined && reject !== undefined, 'a Promise runs its executor at once');
  return { promise, resolve, reject };
}

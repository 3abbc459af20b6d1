// The part of redlock 5.0.0-beta2 the tests use. Its own dist/index.d.ts is unreachable under
// NodeNext resolution (its package.json "exports" names no types), so TypeScript sees the module as
// `any`; these lines are copied from that file.
declare module 'redlock' {
  import { EventEmitter } from 'node:events';
  import type { Redis } from 'ioredis';

  export interface Settings {
    readonly driftFactor: number;
    readonly retryCount: number;
    readonly retryDelay: number;
    readonly retryJitter: number;
    readonly automaticExtensionThreshold: number;
  }

  export class Lock {
    readonly resources: string[];
    readonly value: string;
    expiration: number;
    release(): Promise<unknown>;
    extend(duration: number): Promise<Lock>;
  }

  export default class Redlock extends EventEmitter {
    constructor(clients: Iterable<Redis>, settings?: Partial<Settings>);
    readonly scripts: Readonly<Record<'acquireScript' | 'extendScript' | 'releaseScript', { value: string; hash: string }>>;
    acquire(resources: string[], duration: number, settings?: Partial<Settings>): Promise<Lock>;
    release(lock: Lock, settings?: Partial<Settings>): Promise<unknown>;
  }
}

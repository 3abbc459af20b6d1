// What the load generator needs from one client connection of either system: a write, a
// linearizable read, close. Each call resolves when the server acknowledged it and rejects on an
// error reply, a broken connection or a timeout.
export interface KvConnection {
  write(key: string, value: Buffer): Promise<void>;
  read(key: string): Promise<void>;
  /** False once the connection broke (it never recovers; open a new one). */
  usable(): boolean;
  close(): void;
}

/** A system under test: connections to a member, and the cluster operations failover needs. */
export interface BenchCluster {
  readonly name: string;
  readonly size: number;
  /** One connection; `maxInFlight` > 1 asks for one that carries that many requests at once. */
  connect(member: number, maxInFlight?: number): Promise<KvConnection>;
  /** The index of the member every live member agrees leads. */
  leader(timeoutMs: number): Promise<number>;
  pid(member: number): number;
  live(): number[];
  kill(member: number): Promise<void>;
  /** Restarts a killed member on its data dir and waits until it has caught up. */
  restart(member: number): Promise<void>;
}

// The fault state of every directed link between two nodes (from -> to): open, cut (bytes held
// back, as a firewall DROP rule makes TCP retransmit until it heals), delayed by a fixed number
// of ms, or lossy (each chunk may cost a retransmission timeout, and rarely the connection).
// The proxies consult this table for every chunk they forward; the nemesis changes it.

import { assert } from '../src/lib/assert.js';

export interface LinkFault {
  /** Bytes in this direction are held until the cut heals. */
  readonly cut: boolean;
  /** Added to every chunk's delivery time. */
  readonly delayMs: number;
  /** Probability that a chunk is "lost" (delayed by a retransmission timeout). */
  readonly lossRate: number;
}

export const OPEN: LinkFault = { cut: false, delayMs: 0, lossRate: 0 };

/** Most nodes a table is built for; ids are indexes 0..size-1. */
const MAX_NODES = 16;

export class LinkTable {
  private readonly faults: LinkFault[];
  private readonly listeners = new Set<() => void>();

  constructor(readonly size: number) {
    assert(Number.isInteger(size) && size > 0, 'link table size must be a positive integer');
    assert(size <= MAX_NODES, `link table size must be at most ${MAX_NODES}`);
    this.faults = new Array<LinkFault>(size * size).fill(OPEN);
  }

  get(from: number, to: number): LinkFault {
    return this.faults[this.index(from, to)]!;
  }

  set(from: number, to: number, fault: LinkFault): void {
    assert(fault.delayMs >= 0, 'delayMs must not be negative');
    assert(fault.lossRate >= 0 && fault.lossRate <= 1, 'lossRate must be within [0, 1]');
    this.faults[this.index(from, to)] = fault;
    for (const listener of this.listeners) listener();
  }

  /** Restores every link (both directions of every pair). */
  healAll(): void {
    this.faults.fill(OPEN);
    for (const listener of this.listeners) listener();
  }

  /** Called after every change, so held bytes flow again once a cut heals. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private index(from: number, to: number): number {
    assert(Number.isInteger(from) && from >= 0 && from < this.size, `bad link source ${from}`);
    assert(Number.isInteger(to) && to >= 0 && to < this.size && to !== from, `bad link target ${to}`);
    return from * this.size + to;
  }
}

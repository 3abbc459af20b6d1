// Test helper for the keyspace-event differential: runs the same steps on a fresh KvState and on a
// real redis-server (notify-keyspace-events KEAn, active expiry off) and returns, per step, the
// (channel, message) pairs each side published. Redis's pairs come from a second connection
// PSUBSCRIBEd to `__key*__:*`; after each command a PUBLISH on a fence channel marks where that
// command's events end (Redis delivers them to the subscriber in order). Cairn's KeyEvents are
// mapped to Redis's two channels per event: `__keyspace@<db>__:<key>` → event, then
// `__keyevent@<db>__:<event>` → key.

import { Buffer } from 'node:buffer';
import { connect, type Socket } from 'node:net';
import type { KeyEvent } from '../../src/kv/key-events.js';
import { KvState } from '../../src/kv/state.js';
import { encodeReply } from '../../src/resp/encode.js';
import { encodeCommand, replyEnd, type RedisProcess } from './redis-server.js';

/** The classes Redis publishes with `KEAn` (every class but key miss and module; Cairn's '*' is not Redis's). */
export const COMPARED_CLASSES = 'g$lshzxetn';
const FENCE = 'cairn-test-fence';

/** One step: a command (latin1 strings), or a wait for wall time to pass (expiries run out on both sides). */
export type Step = readonly string[] | { readonly waitMs: number };

export interface StepResult {
  readonly argv: readonly string[];
  readonly ours: readonly string[];
  readonly theirs: readonly string[];
  readonly oursReply: string;
  readonly theirsReply: string;
}

/** The (channel, message) pairs Redis publishes for Cairn's events, as `channel => message` lines. */
export function publishedPairs(events: readonly KeyEvent[], classes = COMPARED_CLASSES): string[] {
  const pairs: string[] = [];
  for (const e of events) {
    if (!classes.includes(e.cls)) continue;
    pairs.push(`__keyspace@${e.db}__:${e.key} => ${e.event}`, `__keyevent@${e.db}__:${e.event} => ${e.key}`);
  }
  return pairs;
}

/** Reads RESP arrays of bulk strings (pmessage / message / psubscribe replies) off a socket. */
class Subscriber {
  private pending: Buffer = Buffer.alloc(0);
  private readonly arrays: string[][] = [];
  private wake: (() => void) | undefined;

  constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      for (let end = replyEnd(this.pending, 0); end !== -1; end = replyEnd(this.pending, 0)) {
        this.arrays.push(parseArray(this.pending.subarray(0, end)));
        this.pending = this.pending.subarray(end);
      }
      this.wake?.();
    });
  }

  static async open(port: number): Promise<Subscriber> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    });
    const subscriber = new Subscriber(socket);
    socket.write(Buffer.concat([encodeCommand([Buffer.from('PSUBSCRIBE'), Buffer.from('__key*__:*')]), encodeCommand([Buffer.from('SUBSCRIBE'), Buffer.from(FENCE)])]));
    await subscriber.next(); // psubscribe confirmation
    await subscriber.next(); // subscribe confirmation
    return subscriber;
  }

  /** The next array, waiting for it up to a deadline. */
  async next(deadlineMs = 10_000): Promise<string[]> {
    const deadline = Date.now() + deadlineMs;
    while (this.arrays.length === 0) {
      if (Date.now() > deadline) throw new Error('no keyspace message from redis-server in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.arrays.shift() as string[];
  }

  /** The keyspace pairs published before fence `mark`. */
  async until(mark: string): Promise<string[]> {
    const pairs: string[] = [];
    for (;;) {
      const message = await this.next();
      if (message[0] === 'message' && message[1] === FENCE) {
        if (message[2] !== mark) throw new Error(`fence ${String(message[2])} while waiting for ${mark}`);
        return pairs;
      }
      if (message[0] === 'pmessage') pairs.push(`${message[2]} => ${message[3]}`);
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A RESP2 array of bulk strings / integers as latin1 strings. */
function parseArray(reply: Buffer): string[] {
  const items: string[] = [];
  let at = reply.indexOf('\r\n') + 2;
  while (at < reply.length) {
    const lineEnd = reply.indexOf('\r\n', at);
    const head = reply.toString('latin1', at + 1, lineEnd);
    if (reply[at] === 0x24) {
      const length = Number(head);
      items.push(reply.toString('latin1', lineEnd + 2, lineEnd + 2 + length));
      at = lineEnd + 2 + length + 2;
    } else {
      items.push(head);
      at = lineEnd + 2;
    }
  }
  return items;
}

/** A redis-server connection pair ready for event comparison; `run` compares one case from a flushed start. */
export class EventDifferential {
  private fenceCount = 0;

  private constructor(private readonly redis: RedisProcess, private readonly subscriber: Subscriber) {}

  static async open(redis: RedisProcess): Promise<EventDifferential> {
    const replies = await redis.sendRaw([
      ['CONFIG', 'SET', 'notify-keyspace-events', 'KEAn'].map((s) => Buffer.from(s)),
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'].map((s) => Buffer.from(s)),
    ]);
    for (const reply of replies) if (reply.toString() !== '+OK\r\n') throw new Error(`redis-server setup failed: ${reply.toString()}`);
    return new EventDifferential(redis, await Subscriber.open(redis.port));
  }

  /** Runs `steps` on a fresh KvState and on redis-server (flushed, database 0); one result per command. */
  async run(steps: readonly Step[]): Promise<StepResult[]> {
    const state = new KvState();
    await this.command(['SELECT', '0']);
    await this.command(['FLUSHALL']);
    let dbIndex = 0;
    const results: StepResult[] = [];
    for (const step of steps) {
      if (!Array.isArray(step)) {
        const until = Date.now() + (step as { waitMs: number }).waitMs;
        while (Date.now() <= until) await new Promise((resolve) => setTimeout(resolve, 1)); // wall time must pass: the condition is the clock itself
        continue;
      }
      // A leading '?' marks a command whose reply is random (SPOP): only its events are compared.
      const random = (step[0] as string).startsWith('?');
      const argv = random ? [(step[0] as string).slice(1), ...step.slice(1)] : (step as readonly string[]);
      const nowMs = Date.now();
      const { reply: theirsReply, pairs: theirs } = await this.command(argv);
      if (argv[0]?.toUpperCase() === 'SELECT') {
        // Connection state, not a kv command: Cairn runs the next commands in that database.
        if (theirsReply === '+OK\r\n') dbIndex = Number(argv[1]);
        continue;
      }
      const reply = encodeReply(state.execute(argv.map((s) => Buffer.from(s, 'latin1')), nowMs, dbIndex), 2).toString('latin1');
      const oursReply = random ? theirsReply : reply;
      results.push({ argv, ours: publishedPairs(state.takeKeyEvents()), theirs, oursReply, theirsReply });
    }
    return results;
  }

  /** Sends one command and a fence; returns its reply and the keyspace pairs it published. */
  private async command(argv: readonly string[]): Promise<{ reply: string; pairs: string[] }> {
    const mark = String(++this.fenceCount);
    const [reply] = await this.redis.sendRaw([argv.map((s) => Buffer.from(s, 'latin1')), [Buffer.from('PUBLISH'), Buffer.from(FENCE), Buffer.from(mark)]]);
    const pairs = await this.subscriber.until(mark);
    return { reply: (reply as Buffer).toString('latin1'), pairs };
  }

  close(): void {
    this.subscriber.close();
  }
}

/** Describes every step whose events (or reply) differ, for an assertion message. */
export function describeDifferences(name: string, results: readonly StepResult[]): string[] {
  const out: string[] = [];
  for (const r of results) {
    const sameEvents = r.ours.join('\n') === r.theirs.join('\n');
    if (sameEvents && r.oursReply === r.theirsReply) continue;
    out.push(`${name}: ${JSON.stringify(r.argv)}\n   cairn: ${JSON.stringify(r.ours)} reply ${JSON.stringify(r.oursReply)}\n   redis: ${JSON.stringify(r.theirs)} reply ${JSON.stringify(r.theirsReply)}`);
  }
  return out;
}

// Test helper for pub/sub: clients that keep every byte they receive, and scripts of steps (one
// command on one client) run the same way on Cairn and on redis-server, so the bytes each client
// received can be compared. After each step the sender, then every other client not inside MULTI,
// is synced with a PING whose answer must arrive: a message delivered for the step (Cairn delivers
// when the entry applies, before it answers the sender) is then already in front of the PONG.
import { replyEnd } from '../kv/redis-server.js';
import { RawClient, waitFor } from './helpers.js';

const PONGS = [Buffer.from('+PONG\r\n'), Buffer.from('*2\r\n$4\r\npong\r\n$0\r\n\r\n')];

/** The complete top-level frames in `raw`. */
export function frames(raw: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; ; ) {
    const end = replyEnd(raw, at);
    if (end === -1) return out;
    out.push(raw.subarray(at, end));
    at = end;
  }
}

/** The frames of `raw` but the syncs' PONGs, as latin1 text (where a sync's place may vary: expiry). */
export function withoutPongs(text: string): string[] {
  return frames(Buffer.from(text, 'latin1')).filter((frame) => !PONGS.some((pong) => pong.equals(frame))).map((frame) => frame.toString('latin1'));
}

function pongCount(raw: Buffer): number {
  return frames(raw).filter((frame) => PONGS.some((pong) => pong.equals(frame))).length;
}

export class WireClient {
  private pings = 0;
  inMulti = false;
  private constructor(readonly raw: RawClient) {}

  static async connect(port: number, resp3: boolean): Promise<WireClient> {
    const raw = await RawClient.connect(port);
    if (resp3) await raw.call('HELLO', '3');
    // HELLO's reply names the server, its version and the client id: not compared.
    raw.raw = Buffer.alloc(0);
    return new WireClient(raw);
  }

  send(args: readonly (string | Buffer)[]): void {
    const name = String(args[0]).toLowerCase();
    if (name === 'multi') this.inMulti = true;
    if (name === 'exec' || name === 'discard' || name === 'reset') this.inMulti = false;
    this.raw.command(...args);
  }

  /** Waits until everything sent before this call was answered. */
  async sync(): Promise<void> {
    this.pings++;
    this.raw.command('PING');
    await waitFor(`PONG ${this.pings}`, () => {
      if (this.raw.closed) throw new Error(`connection closed: ${this.raw.raw.toString('latin1').slice(-300)}`);
      return pongCount(this.raw.raw) >= this.pings ? true : undefined;
    });
  }

  close(): void {
    this.raw.close();
  }
}

/** One command on client `client` (an index), or something to wait for between commands. */
export type Step = readonly [client: number, ...args: (string | Buffer)[]] | (() => Promise<unknown>);

/** Runs the steps on a fresh set of clients; returns the bytes each client received, as latin1 text. */
export async function runScript(port: number, clientCount: number, resp3: boolean, steps: readonly Step[]): Promise<string[]> {
  const clients = await Promise.all(Array.from({ length: clientCount }, () => WireClient.connect(port, resp3)));
  try {
    await clients[0]!.raw.call('FLUSHALL');
    clients[0]!.raw.raw = Buffer.alloc(0);
    for (const step of steps) {
      if (typeof step === 'function') {
        await step();
        continue;
      }
      const [index, ...args] = step;
      const sender = clients[index]!;
      sender.send(args);
      if (!sender.inMulti) await sender.sync();
      for (const other of clients) if (other !== sender && !other.inMulti) await other.sync();
    }
    return clients.map((client) => client.raw.raw.toString('latin1'));
  } finally {
    for (const client of clients) client.close();
  }
}

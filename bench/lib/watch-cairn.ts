// One Cairn change-feed watcher for bench:watch: a raw RESP connection that reads
// `__cairn:changes` with XREAD COUNT/BLOCK in a loop, from the feed's last id at the start on, and
// hands every change's write number (the start of its value) to the Deliveries.
import type { ServerReply } from '../../src/resp/reply-parser.js';
import { RespConnection } from './resp-connection.js';
import type { BenchWatcher } from './watch-etcd.js';
import { writeNumber, type Deliveries } from './watch-load.js';

export const FEED = '__cairn:changes';
const blockMs = 1_000;
const count = 1_000;
const arg = (text: string): Buffer => Buffer.from(text);

function items(reply: ServerReply | undefined): readonly ServerReply[] {
  return reply !== undefined && (reply.type === 'array' || reply.type === 'push') ? reply.items : [];
}

function text(reply: ServerReply | undefined): string | undefined {
  return reply?.type === 'bulk' ? reply.value.toString('latin1') : undefined;
}

export class CairnXreadWatcher implements BenchWatcher {
  /** Why the read loop stopped early, if it did. */
  failure: string | undefined;
  private stopped = false;

  private constructor(private readonly connection: RespConnection, private lastId: string, private readonly deliveries: Deliveries) {
    this.run().catch((error: unknown) => {
      this.failure = error instanceof Error ? error.message : String(error);
    });
  }

  /** Connects, reads the feed's last id (so the watch starts there) and starts reading. */
  static async open(port: number, deliveries: Deliveries, callTimeoutMs: number): Promise<CairnXreadWatcher> {
    const connection = await RespConnection.open(port, callTimeoutMs);
    const last = await connection.call([arg('XREVRANGE'), arg(FEED), arg('+'), arg('-'), arg('COUNT'), arg('1')]);
    if (last.type === 'error') throw new Error(`XREVRANGE ${FEED}: ${last.message}`);
    return new CairnXreadWatcher(connection, text(items(items(last)[0])[0]) ?? '0-0', deliveries);
  }

  /** Stops asking for more: the server holds nothing for a reader that does not ask. */
  pause(): void {
    this.stopped = true;
  }

  close(): void {
    this.stopped = true;
    this.connection.close();
  }

  private async run(): Promise<void> {
    const command = (): Buffer[] => [arg('XREAD'), arg('COUNT'), arg(String(count)), arg('BLOCK'), arg(String(blockMs)), arg('STREAMS'), arg(FEED), arg(this.lastId)];
    while (!this.stopped) {
      let reply: ServerReply;
      try {
        reply = await this.connection.call(command());
      } catch (error) {
        if (this.stopped) return;
        throw error;
      }
      if (reply.type === 'error') throw new Error(`XREAD ${FEED}: ${reply.message}`);
      for (const entry of items(items(items(reply)[0])[1])) this.take(entry);
    }
  }

  private take(entry: ServerReply): void {
    const [id, fields] = items(entry);
    this.lastId = text(id) ?? this.lastId;
    const pairs = items(fields);
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const name = pairs[i]!;
      const value = pairs[i + 1]!;
      if (name.type === 'bulk' && name.value.length === 5 && name.value.toString('latin1') === 'value' && value.type === 'bulk') this.deliveries.delivered(writeNumber(value.value));
    }
  }
}

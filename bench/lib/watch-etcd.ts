// One etcd watch stream for bench:watch: a POST to /v3/watch on the v3 gRPC-gateway (the client
// port of etcd 3.4) with a create_request for a key prefix, on its own socket; the gateway answers
// with newline-delimited JSON messages ({"result": {"created": true}} first, then events), each
// event's value base64-encoded. Every event's write number goes to the Deliveries.
import { request, type ClientRequest } from 'node:http';
import { assert } from '../../src/lib/assert.js';
import type { Deliveries } from './watch-load.js';
import { writeNumber } from './watch-load.js';

/** A line longer than this is refused (the gateway's messages are one batch of events each). */
const maxLineChars = 64 * 1024 * 1024;

export interface BenchWatcher {
  /** Why it stopped receiving early, if it did. */
  readonly failure: string | undefined;
  /** Stops reading its socket (a slow watcher: what the server sends piles up on its side). */
  pause(): void;
  close(): void;
}

interface WatchMessage {
  readonly result?: {
    readonly created?: boolean;
    readonly canceled?: boolean;
    readonly events?: readonly { readonly kv?: { readonly value?: string } }[];
  };
  readonly error?: unknown;
}

/** The end of a prefix range: the prefix with its last byte plus one (etcd's range_end). */
function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix);
  assert(end.length > 0 && end[end.length - 1]! < 0xff, 'a prefix whose last byte can grow');
  end[end.length - 1]!++;
  return end;
}

export class EtcdWatcher implements BenchWatcher {
  failure: string | undefined;
  private rest = '';

  private constructor(private readonly req: ClientRequest, private readonly deliveries: Deliveries) {}

  /** Opens a watch on every key under `prefix` and resolves once etcd confirmed it was created. */
  static open(port: number, prefix: string, deliveries: Deliveries, timeoutMs: number): Promise<EtcdWatcher> {
    const body = JSON.stringify({ create_request: { key: Buffer.from(prefix).toString('base64'), range_end: prefixEnd(prefix).toString('base64') } });
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/v3/watch', method: 'POST', agent: false, headers: { 'content-type': 'application/json' } });
      const watcher = new EtcdWatcher(req, deliveries);
      const timer = setTimeout(() => {
        req.destroy();
        reject(new Error(`etcd watch not created within ${timeoutMs} ms`));
      }, timeoutMs);
      req.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      req.on('response', (res) => {
        if (res.statusCode !== 200) {
          clearTimeout(timer);
          reject(new Error(`etcd /v3/watch: HTTP ${res.statusCode}`));
          return;
        }
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          try {
            if (!watcher.onData(chunk)) return;
            clearTimeout(timer);
            resolve(watcher);
          } catch (error) {
            watcher.failure ??= error instanceof Error ? error.message : String(error);
            req.destroy();
          }
        });
        res.on('error', () => undefined);
        res.on('end', () => (watcher.failure ??= 'the watch stream ended'));
      });
      req.end(body);
    });
  }

  pause(): void {
    this.req.socket?.pause();
  }

  close(): void {
    this.req.destroy();
  }

  /** Handles a chunk of the stream; true when it held the "created" message. */
  private onData(chunk: string): boolean {
    let text = this.rest + chunk;
    let created = false;
    for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n')) {
      const line = text.slice(0, newline);
      text = text.slice(newline + 1);
      if (line.trim() !== '') created = this.onMessage(JSON.parse(line) as WatchMessage) || created;
    }
    if (text.length > maxLineChars) throw new Error('etcd watch message over the size cap');
    this.rest = text;
    return created;
  }

  private onMessage(message: WatchMessage): boolean {
    if (message.error !== undefined) throw new Error(`etcd watch error: ${JSON.stringify(message.error).slice(0, 200)}`);
    for (const event of message.result?.events ?? []) {
      const value = event.kv?.value;
      if (value !== undefined) this.deliveries.delivered(writeNumber(Buffer.from(value, 'base64')));
    }
    return message.result?.created === true;
  }
}

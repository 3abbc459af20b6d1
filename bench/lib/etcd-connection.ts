// One etcd client connection (the etcd side of the bench): the v3 gRPC-gateway JSON API over
// node's http with a keep-alive agent, by default limited to one socket so one KvConnection is
// one TCP connection as on the Cairn side (the failover prober allows more: it sends open-loop). Keys and values travel base64-encoded, as the gateway wants.
import { Agent, request } from 'node:http';
import { assert } from '../../src/lib/assert.js';
import type { KvConnection } from './kv-connection.js';

const maxResponseBytes = 1024 * 1024;

export class EtcdConnection implements KvConnection {
  private readonly agent: Agent;

  constructor(private readonly port: number, private readonly callTimeoutMs: number, maxSockets = 1) {
    assert(port > 0, 'etcd port');
    assert(callTimeoutMs > 0, 'etcd call timeout');
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  async write(key: string, value: Buffer): Promise<void> {
    await this.post('/v3/kv/put', { key: Buffer.from(key).toString('base64'), value: value.toString('base64') });
  }

  /** A range read of one key: linearizable, etcd's default (serializable is false). */
  async read(key: string): Promise<void> {
    await this.post('/v3/kv/range', { key: Buffer.from(key).toString('base64') });
  }

  /** This member's id and the leader it knows (uint64s as decimal strings). */
  async status(): Promise<{ memberId: string; leaderId: string }> {
    const body = await this.post('/v3/maintenance/status', {});
    const header = body['header'] as Record<string, unknown> | undefined;
    return { memberId: String(header?.['member_id'] ?? ''), leaderId: String(body['leader'] ?? '') };
  }

  /** The agent opens a new socket when one breaks. */
  usable(): boolean {
    return true;
  }

  close(): void {
    this.agent.destroy();
  }

  post(path: string, payload: object): Promise<Record<string, unknown>> {
    const body = Buffer.from(JSON.stringify(payload));
    return new Promise((resolve, reject) => {
      const req = request({
        host: '127.0.0.1', port: this.port, path, method: 'POST', agent: this.agent, timeout: this.callTimeoutMs,
        headers: { 'content-type': 'application/json', 'content-length': body.length },
      }, (res) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > maxResponseBytes) req.destroy(new Error(`etcd ${path}: response over ${maxResponseBytes} bytes`));
          else chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if (res.statusCode !== 200) return reject(new Error(`etcd ${path}: HTTP ${res.statusCode} ${text.slice(0, 200)}`));
          try {
            resolve(JSON.parse(text) as Record<string, unknown>);
          } catch {
            reject(new Error(`etcd ${path}: not JSON: ${text.slice(0, 200)}`));
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error(`etcd ${path}: no reply within ${this.callTimeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}

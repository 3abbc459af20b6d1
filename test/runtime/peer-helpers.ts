// Helpers for the transport tests: start transports on free ports with a log recorder, wait for a
// condition with a deadline, collect received messages, and find a port nobody listens on.

import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { TcpPeerTransport } from '../../src/runtime/peer/transport.js';
import type { TcpPeerTransportOptions } from '../../src/runtime/peer/transport.js';
import type { Message } from '../../src/raft/types.js';

export interface LogLine {
  event: string;
  fields: Record<string, unknown>;
}

export interface TestNode {
  id: string;
  transport: TcpPeerTransport;
  received: { from: string; message: Message }[];
  logs: LogLine[];
  address: string;
}

export async function startNode(
  id: string,
  overrides: Partial<TcpPeerTransportOptions> = {},
): Promise<TestNode> {
  const logs: LogLine[] = [];
  const received: { from: string; message: Message }[] = [];
  const transport = await TcpPeerTransport.start({
    nodeId: id,
    clusterId: 'test-cluster',
    listenHost: '127.0.0.1',
    listenPort: 0,
    reconnectBaseMs: 10,
    reconnectMaxMs: 100,
    log: (event, fields) => logs.push({ event, fields: fields as Record<string, unknown> }),
    ...overrides,
  });
  transport.onReceive((from, message) => received.push({ from, message }));
  const host = overrides.listenHost ?? '127.0.0.1';
  const address = host.includes(':') ? `[${host}]:${transport.listenPort}` : `${host}:${transport.listenPort}`;
  return { id, transport, received, logs, address };
}

/** Gives every node the others as peers. */
export function connectAll(nodes: TestNode[]): void {
  const peers = new Map(nodes.map((n) => [n.id, n.address]));
  for (const node of nodes) node.transport.setPeers(peers);
}

export async function waitFor(what: string, condition: () => boolean, deadlineMs = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > deadlineMs) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A port that was free a moment ago (the OS picked it); nothing listens on it now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function heartbeat(from: string, to: string, readSeq: number): Message {
  return { type: 'heartbeat', from, to, term: 1, incarnation: '0000000000000000', commitIndex: 0, readSeq };
}

export async function closeAll(nodes: TestNode[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.transport.close()));
}

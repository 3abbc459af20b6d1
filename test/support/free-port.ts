// Free TCP ports for servers that a test, a bench or the torture runner starts in a child process.
//
// Asking the kernel for port 0 and closing it leaves a window before the child binds in which any
// other socket — a proxy's listen(0), an outgoing connection — may be given the same ephemeral
// port. So ports are drawn from below the kernel's ephemeral range, where nothing is assigned
// automatically, checked by binding, and never handed out twice by one process.

import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

const lowestPort = 10_000;
const handedOut = new Set<number>();

function ephemeralRangeStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low !== undefined && Number.isInteger(low) && low > lowestPort + 1000) return low;
  } catch {
    // Not Linux: fall back to the IANA dynamic range's start.
  }
  return 32_768;
}

const highestPort = ephemeralRangeStart() - 1;

function canBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const port = lowestPort + Math.floor(Math.random() * (highestPort - lowestPort + 1));
    if (handedOut.has(port)) continue;
    if (await canBind(port, host)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port in ${lowestPort}-${highestPort} after 1000 tries`);
}

/** True once something accepts TCP connections on host:port (a child server finished starting). */
export function acceptsConnections(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

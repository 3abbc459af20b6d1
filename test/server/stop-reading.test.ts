// After a protocol error or QUIT the server reads nothing more from the client and closes the
// connection once its reply is out: a client that keeps sending is cut off after what the socket
// buffers hold (a few MB), not after everything it sends, and the server's memory does not grow
// with what it sends (issue #10, item 6a).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { startCairn, waitFor, type RunningProcess } from './helpers.js';

/** What the client offers after the closing request; a server still reading takes all of it. */
const offerBytesMax = 100 * 1024 * 1024;
/** Accepted by the client's socket before it learns of the close: kernel and Node buffers, a few MB on loopback. */
const acceptedBytesMax = 32 * 1024 * 1024;
const rssGrowthBytesMax = 48 * 1024 * 1024;
const chunk = Buffer.alloc(1024 * 1024, 'x');

let server: RunningProcess;
before(async () => {
  server = await startCairn();
});
after(async () => {
  await server.cleanup();
});

async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  assert.ok(match !== null, 'VmRSS in /proc/PID/status');
  return Number(match[1]) * 1024;
}

/** Writes `first`, then 1 MB chunks until a write fails, the socket closes or `offerBytesMax` went out; returns the bytes accepted. */
async function sendUntilCut(port: number, first: string): Promise<{ acceptedBytes: number; cut: boolean }> {
  // Half-open allowed: a client that keeps writing after the server's FIN, as a hostile one would.
  const socket: Socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let cut = false;
  socket.on('error', () => (cut = true));
  socket.on('close', () => (cut = true));
  socket.resume(); // the reply (if it arrives before the reset) is read and dropped
  socket.write(first);
  let acceptedBytes = 0;
  try {
    while (!cut && acceptedBytes < offerBytesMax) {
      const failed = await new Promise<boolean>((resolve) => socket.write(chunk, (error) => resolve(error !== undefined && error !== null)));
      if (failed) break;
      acceptedBytes += chunk.length;
    }
    // A write the kernel took whole may only fail later: the close still has to come.
    if (acceptedBytes < offerBytesMax) await waitFor('the server to close the connection', () => (cut ? true : undefined), 10_000);
  } finally {
    socket.destroy();
  }
  return { acceptedBytes, cut };
}

for (const [what, first] of [['a protocol error', '*1\r\n+x\r\n'], ['QUIT', 'QUIT\r\n']] as const) {
  test(`after ${what} the server stops reading and closes; what the client sends after it is not held`, async () => {
    const pid = server.proc.pid;
    assert.ok(pid !== undefined);
    const before = await rssBytes(pid);
    const { acceptedBytes, cut } = await sendUntilCut(server.port, first);
    const grown = (await rssBytes(pid)) - before;
    assert.ok(cut && acceptedBytes < acceptedBytesMax, `the client could send ${acceptedBytes} bytes after ${what} (connection ${cut ? 'cut' : 'still open'})`);
    assert.ok(grown < rssGrowthBytesMax, `server RSS grew by ${grown} bytes`);
  });
}

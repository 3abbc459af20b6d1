// Two nodes on two hosts, as far as TCP can tell: each runs in its own network namespace joined
// by a veth pair with private addresses, so traffic leaves one stack and arrives at another (no
// loopback). The link is then cut — packets vanish silently, no FIN or RST — and the transports
// must notice through missing keepalives, keep redialling, and resume once the link is back.
// Needs root and iproute2; skipped otherwise. The namespaces are always deleted.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from './peer-helpers.js';

interface Child {
  process: ChildProcess;
  events: { event: string; count?: number }[];
  received: () => number;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

function startChild(namespace: string, args: string[]): Child {
  const script = fileURLToPath(new URL('./peer-netns-child.ts', import.meta.url));
  const child = spawn('ip', ['netns', 'exec', namespace, process.execPath, '--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const events: { event: string; count?: number }[] = [];
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) events.push(JSON.parse(line) as { event: string; count?: number });
  });
  child.stderr?.on('data', (chunk: Buffer) => events.push({ event: `stderr: ${chunk.toString()}` }));
  return { process: child, events, received: () => events.filter((e) => e.event === 'received').at(-1)?.count ?? 0 };
}

async function stop(child: Child): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

test('across two network namespaces: messages flow, a silent cut is detected, traffic resumes after it heals', async (t) => {
  const suffix = `${process.pid}`;
  const [nsA, nsB, vethA, vethB] = [`cairn-a-${suffix}`, `cairn-b-${suffix}`, `cva${suffix}`.slice(0, 15), `cvb${suffix}`.slice(0, 15)];
  try {
    ip('netns', 'add', nsA);
  } catch {
    t.skip('cannot create network namespaces here (needs root and iproute2)');
    return;
  }
  const children: Child[] = [];
  try {
    ip('netns', 'add', nsB);
    ip('link', 'add', vethA, 'netns', nsA, 'type', 'veth', 'peer', 'name', vethB, 'netns', nsB);
    ip('-n', nsA, 'addr', 'add', '10.231.0.1/24', 'dev', vethA);
    ip('-n', nsB, 'addr', 'add', '10.231.0.2/24', 'dev', vethB);
    ip('-n', nsA, 'link', 'set', vethA, 'up');
    ip('-n', nsB, 'link', 'set', vethB, 'up');
    const a = startChild(nsA, ['a', 'b', '10.231.0.2:17002', '17001']);
    const b = startChild(nsB, ['b', 'a', '10.231.0.1:17001', '17002']);
    children.push(a, b);
    const describe = (): string => JSON.stringify({ a: a.events.slice(-5), b: b.events.slice(-5) });
    await waitFor(`messages both ways ${describe()}`, () => a.received() >= 5 && b.received() >= 5, 20_000);

    ip('-n', nsA, 'link', 'set', vethA, 'down'); // packets now vanish without FIN or RST
    await waitFor(`both notice the silence ${describe()}`, () => [a, b].every((c) => c.events.some((e) => e.event === 'peer.silent')), 10_000);
    const stalled = b.received();
    ip('-n', nsA, 'link', 'set', vethA, 'up');
    await waitFor(`traffic resumes ${describe()}`, () => b.received() >= stalled + 5 && a.received() >= 10, 15_000);
    assert.ok(a.events.some((e) => e.event === 'peer.connected'));
  } finally {
    await Promise.all(children.map(stop));
    for (const namespace of [nsA, nsB]) {
      try {
        ip('netns', 'del', namespace);
      } catch {
        // not created
      }
    }
  }
});

// The data-folder lock judges its holder's life properly (issue #10, item 6b): a holder killed but
// not yet reaped by its parent (a zombie) does not block a restart, a live one — running or
// stopped — always does, and a LOCK naming a pid that now belongs to another process (same pid,
// another start time) does not. The zombie is real: the holder's parent is a small perl process
// that does not wait for it until the test says so, then reaps it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isCairnError } from '../../src/lib/errors.js';
import { NodeDisk } from '../../src/runtime/disk.js';
import { formatHolder } from '../../src/runtime/lock-holder.js';
import { waitFor } from '../server/helpers.js';
import { withTempDir } from './helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const HOLDER = fileURLToPath(new URL('./lock-holder-child.ts', import.meta.url));
/** Forks and execs its arguments, prints the child's pid, and reaps the child only once its stdin ends. */
const NON_REAPING_PARENT = '$| = 1; my $pid = fork(); die "fork: $!" unless defined $pid; if ($pid == 0) { exec @ARGV or die "exec: $!" } print "$pid\\n"; my $go = <STDIN>; waitpid($pid, 0);';

const disk = new NodeDisk();
const locked = (error: unknown): boolean => isCairnError(error, 'CAIRN_LOCKED');

/** The state letter and start ticks of a process, from /proc/PID/stat; undefined once it is gone. */
async function procStat(pid: number): Promise<{ state: string; startTicks: string } | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0]!, startTicks: fields[19]! };
}

async function inState(pid: number, state: string): Promise<void> {
  await waitFor(`process ${pid} in state ${state}`, async () => ((await procStat(pid))?.state === state ? true : undefined));
}

function exited(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => proc.once('exit', () => resolve()));
}

test('a zombie holder does not block opening the folder; a running or stopped one does', async () => {
  await withTempDir(async (dir) => {
    const parent = spawn('perl', ['-e', NON_REAPING_PARENT, '--', process.execPath, '--import', 'tsx', HOLDER, dir], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
    let output = '';
    parent.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let holder: number | undefined;
    try {
      await waitFor('the holder to take the lock', () => (output.includes('locked\n') ? true : undefined), 30_000);
      holder = Number(output.split('\n')[0]);
      assert.ok(Number.isSafeInteger(holder) && holder > 0, `holder pid from ${JSON.stringify(output)}`);
      await assert.rejects(disk.lock(dir), locked, 'a running holder blocks');
      process.kill(holder, 'SIGSTOP');
      await inState(holder, 'T');
      await assert.rejects(disk.lock(dir), locked, 'a stopped holder blocks');
      process.kill(holder, 'SIGKILL');
      await inState(holder, 'Z');
      const lock = await disk.lock(dir);
      assert.equal((await procStat(holder))?.state, 'Z', 'the holder was still a zombie when the folder opened');
      await lock.release();
    } finally {
      if (holder !== undefined && (await procStat(holder))?.state !== 'Z') process.kill(holder, 'SIGKILL');
      parent.stdin!.end();
      await exited(parent);
    }
    assert.equal(holder !== undefined ? await procStat(holder) : undefined, undefined, 'the zombie was reaped');
  });
});

test('a LOCK naming a live pid with another start time (a reused pid) is taken over; with its own start time it blocks', async () => {
  await withTempDir(async (dir) => {
    const self = await procStat(process.pid);
    assert.ok(self !== undefined);
    const other = String(BigInt(self.startTicks) + 1n);
    await writeFile(join(dir, 'LOCK'), formatHolder({ pid: process.pid, startTicks: other }));
    const lock = await disk.lock(dir);
    await lock.release();
    await writeFile(join(dir, 'LOCK'), formatHolder({ pid: process.pid, startTicks: self.startTicks }));
    await assert.rejects(disk.lock(dir), locked, 'the LOCK names this very process');
    await writeFile(join(dir, 'LOCK'), `${process.pid}\n`);
    await assert.rejects(disk.lock(dir), locked, 'a LOCK from before start times were recorded is judged by its pid');
  });
});

// Child process for crash.test.ts: writes with fsync 'always' from several concurrent writers and
// prints "ack <key> <seq>" for every acknowledged write, until the test SIGKILLs it.
// Usage: node --import tsx crash-child.ts DIR FIRST_SEQ

import { Buffer } from 'node:buffer';
import { NodeDisk } from '../../src/runtime/disk.js';
import { SystemClock } from '../../src/runtime/clock.js';
import { LocalNode } from '../../src/runtime/local-node.js';

const WRITERS = 8;
const WRITES_MAX = 1_000_000;
const LIFETIME_MS_MAX = 30_000; // never outlive a test that died without killing us

const [dir, firstSeqText] = process.argv.slice(2);
if (dir === undefined || firstSeqText === undefined) throw new Error('usage: crash-child.ts DIR FIRST_SEQ');
setTimeout(() => process.exit(3), LIFETIME_MS_MAX).unref();
process.stdout.on('error', () => process.exit(4));

const store = await LocalNode.open({ dir, disk: new NodeDisk(), clock: new SystemClock(), fsync: 'always', segmentBytesMax: 16 * 1024, compactionMinBytes: 64 * 1024 });
process.stdout.write('ready\n');
let seq = Number(firstSeqText);
const lastSeq = seq + WRITES_MAX;
const SET = Buffer.from('SET');

async function writer(): Promise<void> {
  while (seq < lastSeq) {
    const mine = seq++;
    const key = `k${mine % 100}`;
    await store.write([[SET, Buffer.from(key), Buffer.from(`v${mine}-${'x'.repeat(mine % 300)}`)]]);
    process.stdout.write(`ack ${key} ${mine}\n`);
  }
}

await Promise.all(Array.from({ length: WRITERS }, writer));
await store.close();

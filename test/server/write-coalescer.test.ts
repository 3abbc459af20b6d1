// The write coalescer: entries written in one event-loop turn become one backend entry, each
// caller gets its own replies in order, WATCH entries pass through alone, failures reach everyone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorReply, integerReply, type Reply } from '../../src/lib/reply.js';
import type { Backend, WriteEntry } from '../../src/server/backend.js';
import { WriteCoalescer } from '../../src/server/write-coalescer.js';

class RecordingBackend implements Backend {
  readonly entries: WriteEntry[] = [];
  fail = false;
  async write(entry: WriteEntry): Promise<Reply[]> {
    this.entries.push(entry);
    if (this.fail) throw new Error('disk on fire');
    return entry.commands.map((_c, i) => integerReply(this.entries.length * 1000 + i));
  }
  read(): Reply {
    return errorReply('ERR not used');
  }
  keyVersion(): number {
    return 0;
  }
  keyspace() {
    return { keys: 0 };
  }
  persistenceInfo() {
    return [];
  }
  async close(): Promise<void> {}
}

const cmd = (...words: string[]) => words.map((w) => Buffer.from(w));

test('one turn of writes becomes one entry; each caller gets its replies', async () => {
  const inner = new RecordingBackend();
  const coalescer = new WriteCoalescer(inner);
  const a = coalescer.write({ commands: [cmd('SET', 'a', '1'), cmd('SET', 'b', '2')], watches: [] });
  const b = coalescer.write({ commands: [cmd('INCR', 'c')], watches: [] });
  const watched = coalescer.write({ commands: [cmd('SET', 'w', '1')], watches: [{ key: Buffer.from('w'), version: 3 }] });
  const c = coalescer.write({ commands: [cmd('DEL', 'a')], watches: [] });
  assert.deepEqual(await a, [integerReply(1000), integerReply(1001)]);
  assert.deepEqual(await b, [integerReply(1002)]);
  assert.deepEqual(await watched, [integerReply(2000)]);
  assert.deepEqual(await c, [integerReply(3000)]);
  assert.deepEqual(inner.entries.map((e) => e.commands.length), [3, 1, 1]);
  assert.equal(inner.entries[1]!.watches.length, 1);
});

test('a failed entry rejects every caller in it', async () => {
  const inner = new RecordingBackend();
  inner.fail = true;
  const coalescer = new WriteCoalescer(inner);
  const results = await Promise.allSettled([
    coalescer.write({ commands: [cmd('SET', 'a', '1')], watches: [] }),
    coalescer.write({ commands: [cmd('SET', 'b', '1')], watches: [] }),
  ]);
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
  assert.equal(inner.entries.length, 1);
});

test('entries past the size cap start a new entry', async () => {
  const inner = new RecordingBackend();
  const coalescer = new WriteCoalescer(inner);
  const big = Buffer.alloc(5 * 1024 * 1024);
  await Promise.all([
    coalescer.write({ commands: [[Buffer.from('SET'), Buffer.from('a'), big]], watches: [] }),
    coalescer.write({ commands: [[Buffer.from('SET'), Buffer.from('b'), big]], watches: [] }),
  ]);
  assert.equal(inner.entries.length, 2);
});

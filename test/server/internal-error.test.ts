// A command whose code throws or rejects where nothing should (a bug reached by a client's input)
// must not take the node down: that client gets one error and is disconnected, the error is
// reported with its stack, and every other client goes on being served. The backend here throws
// on purpose for two keys, once synchronously and once as a rejected reply.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { KV_COMMANDS } from '../../src/kv/commands.js';
import { applyDecoded } from '../../src/kv/entry.js';
import { KvState } from '../../src/kv/state.js';
import type { Reply } from '../../src/lib/reply.js';
import type { Backend, WriteEntry } from '../../src/server/backend.js';
import { defaultSettings } from '../../src/server/config.js';
import { CairnServer } from '../../src/server/server.js';
import { RawClient, show } from './helpers.js';

class BuggyBackend implements Backend {
  readonly state = new KvState();
  async write(entry: WriteEntry): Promise<Reply[]> {
    return applyDecoded(this.state, { nowMs: Date.now(), ...entry });
  }
  read(argv: readonly Uint8Array[]): Reply | Promise<Reply> {
    const key = Buffer.from(argv[1] ?? []).toString();
    if (key === 'boom-now') throw new TypeError('planted: a handler bug that throws');
    if (key === 'boom-later') return Promise.reject(new RangeError('planted: a handler bug that rejects'));
    return this.state.execute(argv, Date.now());
  }
  keyVersion(key: Uint8Array): number {
    return this.state.keyVersion(Buffer.from(key).toString('latin1'));
  }
  keyspace(): { keys: number } {
    return { keys: this.state.keyCount };
  }
  persistenceInfo(): [] {
    return [];
  }
  async close(): Promise<void> {}
}

const reports: string[] = [];
let server: CairnServer;
before(async () => {
  const settings = { ...defaultSettings(), port: 0 };
  server = await CairnServer.listen({
    backend: new BuggyBackend(),
    dataCommands: [...KV_COMMANDS.values()],
    settings,
    clock: { nowMs: () => Date.now(), monotonicMs: () => performance.now(), setTimer: (ms, fn) => { const t = setTimeout(fn, ms); return { cancel: () => clearTimeout(t) }; } },
    version: 'test',
    reportInternalError: (report) => reports.push(report),
  });
});
after(async () => {
  await server.close();
});

for (const key of ['boom-now', 'boom-later']) {
  test(`a command that ${key === 'boom-now' ? 'throws' : 'rejects'} closes only its own connection, with an error, and is reported`, async () => {
    const bystander = await RawClient.connect(server.port);
    const victim = await RawClient.connect(server.port);
    try {
      assert.equal(show(await bystander.call('SET', 'k', 'v1')), 'OK');
      const before = reports.length;
      // Replies encoded before the failing command still arrive, in order, then the error.
      victim.send(`PING\r\nGET ${key}\r\nPING\r\n`);
      const replies = await victim.replies(2);
      assert.deepEqual(replies.map(show), ['PONG', 'ERR:ERR internal error while running a command of this connection (see the server log); closing it']);
      await victim.waitClosed();
      assert.equal(reports.length, before + 1, 'the error was reported once');
      assert.match(reports.at(-1)!, /planted: a handler bug/);
      assert.match(reports.at(-1)!, /at BuggyBackend\.read/, 'the report carries the stack');
      // The node and every other client carry on.
      assert.equal(show(await bystander.call('SET', 'k', 'v2')), 'OK');
      assert.equal(show(await bystander.call('GET', 'k')), 'v2');
      const info = show(await bystander.call('INFO', 'stats')) as string;
      assert.match(info, new RegExp(`cairn_internal_errors:${before + 1}\\r\\n`));
    } finally {
      bystander.close();
      victim.close();
    }
  });
}

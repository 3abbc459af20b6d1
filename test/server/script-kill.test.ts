// Read-only scripts on a real server run in steps and can be killed, as in Redis 7.0: a long
// EVAL_RO / no-writes EVAL / FCALL_RO / no-writes FCALL makes other clients get -BUSY past
// busy-reply-threshold, SCRIPT KILL (FUNCTION KILL for a function) stops it with Redis's error to
// its caller, the wrong KILL gets Redis's BUSY, NOTBUSY once nothing runs, the caller's own
// pipelined command waits for the script instead of being refused — the same replies
// redis-server 7.0.15 gives, in RESP2 and RESP3 — and a write committed while the script runs is
// not seen by it. The log script's UNKILLABLE is in script.test.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { encodeCommand, RawClient, show, startCairn, startRedis, waitFor } from './helpers.js';

const SPIN = 'local i = 0 while true do i = i + 1 end';
const LIBRARY = `#!lua name=spinners
redis.register_function{function_name='spin', callback=function() local i = 0 while true do i = i + 1 end end, flags={'no-writes'}}
redis.register_function{function_name='peek', callback=function(keys) return redis.call('GET', keys[1]) end, flags={'no-writes'}}`;

interface Scenario {
  /** Commands the runner sends first (HELLO 3, FUNCTION LOAD ...). */
  readonly setup: readonly (readonly string[])[];
  readonly run: readonly string[];
  readonly kill: 'SCRIPT' | 'FUNCTION';
}

/** Runs a spinning read script, waits for BUSY, sends the wrong KILL, the right one, then KILL again: every reply, shown. */
async function killScenario(port: number, scenario: Scenario): Promise<unknown[]> {
  const runner = await RawClient.connect(port);
  const other = await RawClient.connect(port);
  try {
    for (const command of scenario.setup) await runner.call(...command);
    assert.equal(show(await other.call('SET', 'k', 'v')), 'OK');
    assert.equal(show(await other.call('CONFIG', 'SET', 'busy-reply-threshold', '50')), 'OK');
    // The runner's own GET, pipelined behind its script, waits for it (not BUSY), as in Redis.
    runner.send(Buffer.concat([encodeCommand(scenario.run), encodeCommand(['GET', 'k'])]));
    const result = runner.replies(2);
    // PING: a command that reads no state, answered at once (by Cairn) until the threshold passes, then BUSY.
    const busy = await waitFor('a BUSY reply while the script runs', async () => {
      const reply = show(await other.call('PING'));
      return String(reply).startsWith('ERR:BUSY') ? reply : undefined;
    });
    // FUNCTION STATS runs while busy (allow_busy): the function running and its command; how long varies.
    const stats = JSON.stringify(show(await other.call('FUNCTION', 'STATS'))).replace(/("duration_ms"[,:])\d+/, '$1N');
    const wrong = show(await other.call(scenario.kill === 'SCRIPT' ? 'FUNCTION' : 'SCRIPT', 'KILL'));
    const killed = show(await other.call(scenario.kill, 'KILL'));
    const [reply, pipelined] = (await result).map(show);
    const notBusy = show(await other.call(scenario.kill, 'KILL'));
    const after = show(await other.call('GET', 'k'));
    assert.equal(show(await other.call('CONFIG', 'SET', 'busy-reply-threshold', '5000')), 'OK');
    return [busy, wrong, killed, reply, notBusy, after, pipelined, stats];
  } finally {
    runner.close();
    other.close();
  }
}

const SCENARIOS: readonly (Scenario & { readonly name: string })[] = [
  { name: 'EVAL_RO', setup: [], run: ['EVAL_RO', SPIN, '0'], kill: 'SCRIPT' },
  { name: 'EVAL_RO in RESP3', setup: [['HELLO', '3']], run: ['EVAL_RO', SPIN, '0'], kill: 'SCRIPT' },
  { name: 'EVAL of a no-writes script', setup: [], run: ['EVAL', `#!lua flags=no-writes\n${SPIN}`, '0'], kill: 'SCRIPT' },
  { name: 'FCALL_RO', setup: [['FUNCTION', 'LOAD', 'REPLACE', LIBRARY]], run: ['FCALL_RO', 'spin', '0'], kill: 'FUNCTION' },
  { name: 'FCALL of a no-writes function in RESP3', setup: [['HELLO', '3'], ['FUNCTION', 'LOAD', 'REPLACE', LIBRARY]], run: ['FCALL', 'spin', '0'], kill: 'FUNCTION' },
];

test('SCRIPT KILL and FUNCTION KILL stop read-only scripts with the replies redis-server gives', { timeout: 120_000 }, async () => {
  const cairn = await startCairn();
  const redis = await startRedis();
  try {
    for (const scenario of SCENARIOS) {
      const ours = await killScenario(cairn.port, scenario);
      const theirs = await killScenario(redis.port, scenario);
      assert.deepEqual(ours, theirs, scenario.name);
      // What they are, that both gave: BUSY for the kind, the wrong KILL refused, +OK, the killed error, NOTBUSY, served again.
      assert.match(String(ours[0]), new RegExp(`^ERR:BUSY Redis is busy running a script. You can only call ${scenario.kill} KILL`));
      assert.equal(ours[2], 'OK');
      assert.match(String(ours[3]), /^ERR:ERR Script killed by user with SCRIPT KILL\.\.\. script: \w+, on @user_(script|function):\d+\.$/);
      assert.equal(ours[4], 'ERR:NOTBUSY No scripts in execution right now.');
      assert.equal(ours[5], 'v');
      assert.equal(ours[6], 'v');
      if (scenario.kill === 'FUNCTION') assert.match(String(ours[7]), /"name"[,:]"spin".*"duration_ms"[,:]N/);
    }
  } finally {
    await redis.cleanup();
    await cairn.cleanup();
  }
});

test('a read-only script in steps does not see a write committed while it runs; the write lands after it', { timeout: 60_000 }, async () => {
  const server = await startCairn();
  const runner = await RawClient.connect(server.port);
  const writer = await RawClient.connect(server.port);
  try {
    assert.equal(show(await writer.call('SET', 'k', 'before')), 'OK');
    assert.equal(show(await writer.call('CLIENT', 'SETNAME', 'writer')), 'OK');
    // About 7M Lua instructions (under the 10M limit): many steps, between which the event loop turns.
    const body = "local a = redis.call('get', KEYS[1]) local x = 0 for i = 1, 1700000 do x = x + i end return {a, redis.call('get', KEYS[1]), x}";
    const script = runner.call('EVAL_RO', body, '1', 'k');
    // CLIENT LIST runs at once (no state read): once it shows the runner's EVAL_RO, its first slice ran and the script is in steps.
    await waitFor('the script to be running', async () => (/cmd=eval_ro/.test(String(show(await writer.call('CLIENT', 'LIST')))) ? true : undefined));
    const write = writer.call('SET', 'k', 'after');
    assert.deepEqual(show(await script), ['before', 'before', 1445000850000]);
    assert.equal(show(await write), 'OK');
    // (Which reply reaches its client first is the two sockets' business: the replies leave in one turn.)
    assert.equal(show(await runner.call('GET', 'k')), 'after');
    assert.equal(show(await runner.call('EVAL_RO', "return redis.call('get', KEYS[1])", '1', 'k')), 'after');
  } finally {
    runner.close();
    writer.close();
    await server.cleanup();
  }
});

test('FCALL of a no-writes function and EVALSHA of a no-writes script are served as reads (no log entry)', async () => {
  const server = await startCairn();
  const client = await RawClient.connect(server.port);
  try {
    assert.equal(show(await client.call('FUNCTION', 'LOAD', LIBRARY)), 'spinners');
    assert.equal(show(await client.call('SET', 'k', 'v')), 'OK');
    const sha = String(show(await client.call('SCRIPT', 'LOAD', "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])")));
    const indexOf = async (): Promise<unknown> => (show(await client.call('CAIRN.DIGEST')) as unknown[])[0];
    const before = await indexOf();
    assert.equal(show(await client.call('FCALL', 'peek', '1', 'k')), 'v');
    assert.equal(show(await client.call('EVALSHA', sha, '1', 'k')), 'v');
    assert.equal(await indexOf(), before);
    // Replaced by a function that writes: FCALL goes through the log again.
    const writing = "#!lua name=spinners\nredis.register_function('peek', function(keys) return redis.call('SET', keys[1], 'w') end)";
    assert.equal(show(await client.call('FUNCTION', 'LOAD', 'REPLACE', writing)), 'spinners');
    assert.equal(show(await client.call('FCALL', 'peek', '1', 'k')), 'OK');
    assert.equal(show(await client.call('GET', 'k')), 'w');
  } finally {
    client.close();
    await server.cleanup();
  }
});

/** The script and function counts of INFO memory. */
async function scriptCounts(port: number): Promise<string[]> {
  const client = await RawClient.connect(port);
  try {
    const info = String(show(await client.call('INFO', 'memory')));
    return info.split('\r\n').filter((line) => /^number_of_(cached_scripts|functions|libraries):/.test(line));
  } finally {
    client.close();
  }
}

test('INFO memory counts the cached scripts, functions and libraries as redis-server does', async () => {
  const cairn = await startCairn();
  const redis = await startRedis();
  try {
    const steps: readonly (readonly string[])[] = [
      ['FUNCTION', 'LOAD', LIBRARY],
      ['FUNCTION', 'LOAD', "#!lua name=other\nredis.register_function('one', function() return 1 end)"],
      ['SCRIPT', 'LOAD', 'return 1'],
      ['EVAL', 'return 2', '0'],
      ['FUNCTION', 'DELETE', 'other'],
    ];
    for (const step of steps) {
      for (const port of [cairn.port, redis.port]) {
        const client = await RawClient.connect(port);
        await client.call(...step).finally(() => client.close());
      }
      assert.deepEqual(await scriptCounts(cairn.port), await scriptCounts(redis.port), step.join(' '));
    }
    assert.deepEqual(await scriptCounts(cairn.port), ['number_of_cached_scripts:2', 'number_of_functions:2', 'number_of_libraries:1']);
  } finally {
    await redis.cleanup();
    await cairn.cleanup();
  }
});

test('a function in the log: BUSY names FUNCTION KILL, and either KILL answers UNKILLABLE', async () => {
  const server = await startCairn();
  const runner = await RawClient.connect(server.port);
  const other = await RawClient.connect(server.port);
  try {
    // About 7M instructions (under the 10M limit), after a write: it runs in the log, in steps.
    const library = "#!lua name=busy\nredis.register_function('work', function(keys) redis.call('SET', keys[1], 'w') local x = 0 for i = 1, 1700000 do x = x + i end return x end)";
    assert.equal(show(await runner.call('FUNCTION', 'LOAD', library)), 'busy');
    assert.equal(show(await other.call('CONFIG', 'SET', 'busy-reply-threshold', '20')), 'OK');
    const result = runner.call('FCALL', 'work', '1', 'k');
    const busy = await waitFor('a BUSY reply while the function runs', async () => {
      const reply = String(show(await other.call('PING')));
      return reply.startsWith('ERR:BUSY') ? reply : undefined;
    });
    assert.equal(busy, 'ERR:BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.');
    assert.match(String(show(await other.call('FUNCTION', 'KILL'))), /^ERR:UNKILLABLE /);
    assert.match(String(show(await other.call('SCRIPT', 'KILL'))), /^ERR:UNKILLABLE /);
    assert.equal(show(await result), 1445000850000);
    assert.equal(show(await other.call('FUNCTION', 'KILL')), 'ERR:NOTBUSY No scripts in execution right now.');
  } finally {
    runner.close();
    other.close();
    await server.cleanup();
  }
});

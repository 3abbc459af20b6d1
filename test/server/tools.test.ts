// The real Redis tools against a live Cairn server: redis-cli one-shot and piped, redis-cli
// interactive inside tmux, and redis-benchmark, each of which must finish without an error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { startCairn, waitFor, type RunningProcess } from './helpers.js';

const run = promisify(execFile);
const have = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

let server: RunningProcess;
before(async () => {
  server = await startCairn();
});
after(async () => {
  await server.cleanup();
});

test('redis-cli one-shot and piped commands', { skip: !have('redis-cli') }, async () => {
  const cli = (...args: string[]) => run('redis-cli', ['-p', String(server.port), ...args], { encoding: 'utf8' });
  assert.equal((await cli('SET', 'tool:k', 'hello world')).stdout, 'OK\n');
  assert.equal((await cli('GET', 'tool:k')).stdout, 'hello world\n');
  assert.equal((await cli('INCR', 'tool:n')).stdout, '1\n');
  assert.equal((await cli('MGET', 'tool:k', 'nope')).stdout, 'hello world\n\n');
  assert.match((await cli('NOPE')).stdout, /ERR unknown command 'NOPE'/);
  assert.match((await cli('INFO', 'server')).stdout, /redis_version:/);
  const piped = spawnSync('redis-cli', ['-p', String(server.port)], { input: 'SET tool:p 1\nINCRBY tool:p 41\nGET tool:p\n', encoding: 'utf8' });
  assert.equal(piped.status, 0);
  assert.equal(piped.stdout, 'OK\n42\n42\n');
});

test('redis-cli interactive in tmux', { skip: !have('redis-cli') || !have('tmux') }, async () => {
  const socketName = `cairn-tools-${process.pid}`;
  const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socketName, ...args], { encoding: 'utf8' });
  const pane = (): string => tmux('capture-pane', '-p', '-t', 'cli').stdout;
  try {
    assert.equal(tmux('new-session', '-d', '-s', 'cli', '-x', '150', '-y', '40', `redis-cli -p ${server.port}`).status, 0);
    await waitFor('the prompt', () => (pane().includes(`:${server.port}>`) ? true : undefined));
    const prompt = `:${server.port}>`;
    // linenoise drops type-ahead, so each line waits for the next prompt, as a person would.
    for (const line of ['set tool:i "a b"', 'get tool:i', 'mget tool:i nope', 'incr tool:i', 'command count']) {
      const prompts = pane().split(prompt).length;
      tmux('send-keys', '-t', 'cli', line, 'Enter');
      await waitFor(`the reply to ${line}`, () => (pane().split(prompt).length > prompts ? true : undefined));
    }
    const screen = await waitFor('the replies', () => {
      const text = pane();
      return text.includes('(integer)') && text.includes('(error)') ? text : undefined;
    }).catch((error: Error) => {
      throw new Error(`${error.message}; screen:\n${pane()}`);
    });
    assert.match(screen, /"a b"/);
    assert.match(screen, /1\) "a b"\n2\) \(nil\)/);
    assert.match(screen, /\(error\) ERR value is not an integer or out of range/);
    tmux('send-keys', '-t', 'cli', 'quit', 'Enter');
    await waitFor('redis-cli to exit', () => (tmux('has-session', '-t', 'cli').status !== 0 ? true : undefined));
  } finally {
    tmux('kill-server');
  }
});

test('redis-benchmark runs its default tests (no -t) to the end without an error', { skip: !have('redis-benchmark') }, async () => {
  const { stdout, stderr } = await run(
    'redis-benchmark',
    ['-p', String(server.port), '-q', '-n', '2000', '-c', '20', '-r', '1000'],
    { encoding: 'utf8', timeout: 240_000 },
  );
  const text = stdout.replace(/\r/g, '\n');
  const defaultTests = ['PING_INLINE', 'PING_MBULK', 'SET', 'GET', 'INCR', 'LPUSH', 'RPUSH', 'LPOP', 'RPOP', 'SADD', 'HSET', 'SPOP', 'ZADD', 'ZPOPMIN',
    'LPUSH \\(needed to benchmark LRANGE\\)', 'LRANGE_100 \\(first 100 elements\\)', 'LRANGE_300 \\(first 300 elements\\)',
    'LRANGE_500 \\(first 500 elements\\)', 'LRANGE_600 \\(first 600 elements\\)', 'MSET \\(10 keys\\)'];
  for (const name of defaultTests) {
    assert.match(text, new RegExp(`${name}[^\\n]*: [\\d.]+ requests per second`), `${name} in ${text}`);
  }
  assert.doesNotMatch(stderr + text, /error/i);
});

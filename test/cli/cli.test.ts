// `cairn cli` as a user runs it: one-shot, piped stdin, --json, an unreachable server, and the
// interactive prompt inside tmux (replies formatted like redis-cli, completion, argument hints,
// MULTI prompt, history kept across sessions).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startCairn, waitFor, type RunningProcess } from '../server/helpers.js';
import { entryArgs } from '../support/bundled-entry.js';

const root = new URL('../../', import.meta.url).pathname;
/** node's arguments that run the client (test/cli/fixtures/run-client.ts), set in before(). */
let client: string[];
const haveTmux = spawnSync('sh', ['-c', 'command -v tmux']).status === 0;

let server: RunningProcess;
let home: string;
before(async () => {
  client = await entryArgs('test/cli/fixtures/run-client.ts');
  server = await startCairn();
  home = await mkdtemp(join(tmpdir(), 'cairn-cli-test-'));
});
after(async () => {
  await server.cleanup();
  await rm(home, { recursive: true, force: true });
});

function cli(args: string[], input?: string) {
  return spawnSync(process.execPath, [...client, '-p', String(server.port), ...args], {
    cwd: root,
    input: input ?? '',
    encoding: 'utf8',
    timeout: 30_000,
  });
}

test('one-shot commands print raw replies when piped', () => {
  assert.equal(cli(['set', 'cli:k', 'hello world']).stdout, 'OK\n');
  assert.equal(cli(['get', 'cli:k']).stdout, 'hello world\n');
  assert.equal(cli(['incrby', 'cli:n', '-5']).stdout, '-5\n');
  assert.equal(cli(['mget', 'cli:k', 'nope']).stdout, 'hello world\n\n');
  assert.match(cli(['nosuch']).stdout, /^ERR unknown command 'nosuch'/);
});

test('--json prints one JSON value per reply', () => {
  assert.equal(cli(['--json', 'mget', 'cli:k', 'nope']).stdout, '["hello world",null]\n');
  assert.equal(cli(['--json', '-3', 'config', 'get', 'appendonly']).stdout, '{"appendonly":"yes"}\n');
  assert.equal(cli(['--json', 'get']).stdout, `{"error":"ERR wrong number of arguments for 'get' command"}\n`);
});

test('commands from stdin, quoted like redis-cli input', () => {
  const result = cli([], 'set cli:q "a b"\nappend cli:q \'!\'\n\nget cli:q\nstrlen cli:q\n');
  assert.equal(result.status, 0);
  assert.equal(result.stdout, 'OK\n4\na b!\n4\n');
});

test('an unreachable server gets a clear message with the address', async () => {
  const port = await freePort();
  const result = spawnSync(process.execPath, [...client, '-p', String(port), 'ping'], { cwd: root, encoding: 'utf8' });
  assert.equal(result.status, 1);
  assert.equal(result.stderr, `Could not connect to Cairn at 127.0.0.1:${port}: Connection refused\n`);
});

test('interactive prompt in tmux: formatting, completion, hints, MULTI, history', { skip: !haveTmux }, async () => {
  const socketName = `cairn-cli-${process.pid}`;
  const historyFile = join(home, 'history');
  const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socketName, ...args], { encoding: 'utf8' });
  const pane = (): string => tmux('capture-pane', '-p', '-t', 'cli').stdout;
  const prompt = `127.0.0.1:${server.port}`;
  const start = async (): Promise<void> => {
    const command = `CAIRN_HISTFILE=${historyFile} ${process.execPath} ${client.join(' ')} -p ${server.port}`;
    assert.equal(tmux('new-session', '-d', '-s', 'cli', '-x', '160', '-y', '50', '-c', root, command).status, 0);
    await waitFor('the prompt', () => (pane().includes(`${prompt}>`) ? true : undefined), 30_000);
  };
  const type = async (line: string, expect: string): Promise<void> => {
    tmux('send-keys', '-t', 'cli', line, 'Enter');
    await waitFor(`'${expect}' after ${line}`, () => (pane().includes(expect) ? true : undefined)).catch((error: Error) => {
      throw new Error(`${error.message}; screen:\n${pane()}`);
    });
  };
  try {
    await start();
    await type('set cli:i 10', 'OK');
    await type('incr cli:i', '(integer) 11');
    await type('get cli:nope', '(nil)');
    await type('mget cli:i cli:nope', '1) "11"\n2) (nil)');
    await type('incr', "(error) ERR wrong number of arguments for 'incr' command");
    await type('multi', `${prompt}(TX)>`);
    await type('incr cli:i', 'QUEUED');
    await type('exec', '1) (integer) 12');
    // Ten elements: indexes are right-aligned to two digits and nested lines indented to match.
    await type('command info get', '1)  1) "get"\n    2) (integer) 2\n    3) 1) readonly\n       2) fast');
    // Completion of a command name, then the hint for its arguments.
    tmux('send-keys', '-t', 'cli', 'strl', 'Tab');
    await waitFor('completion', () => (pane().includes('> strlen') ? true : undefined));
    tmux('send-keys', '-t', 'cli', ' ');
    await waitFor('the argument hint', () => (pane().includes('> strlen key') ? true : undefined));
    tmux('send-keys', '-t', 'cli', 'cli:i', 'Enter');
    await waitFor('strlen reply', () => (pane().includes('(integer) 2') ? true : undefined));
    await type('quit', '');
    await waitFor('the client to exit', () => (tmux('has-session', '-t', 'cli').status !== 0 ? true : undefined));
    assert.match(await readFile(historyFile, 'utf8'), /incr cli:i\n[\s\S]*strlen cli:i/);

    // A new session recalls the previous one's commands with the Up arrow.
    await start();
    tmux('send-keys', '-t', 'cli', 'Up', 'Up');
    await waitFor('history recall', () => (pane().includes(`${prompt}> strlen cli:i`) || pane().includes(`${prompt}> command info get`) ? true : undefined));
    tmux('send-keys', '-t', 'cli', 'C-u', 'quit', 'Enter');
    await waitFor('the client to exit', () => (tmux('has-session', '-t', 'cli').status !== 0 ? true : undefined));
  } finally {
    tmux('kill-server');
  }
});

// Client-side caching against a real redis-server, byte for byte: the same scripted steps run on
// several raw connections to each server (CLIENT TRACKING's replies and errors, TRACKINGINFO,
// GETREDIR, and the invalidation push frames — default mode, NOLOOP, OPTIN/OPTOUT with CLIENT
// CACHING, BCAST prefixes, REDIRECT and a broken redirect), and every connection's whole byte
// stream must be the same on both. After each step every connection is synced with a PING whose
// marker comes back after anything the server sent it before; client ids are the only bytes that
// differ, and are replaced by the connection's name before comparing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { haveRedis, RawClient, waitFor, withCairnAndRedis } from './helpers.js';

const servers = withCairnAndRedis();

/** A step: on connection `on`, a command (`<cN>` stands for connection N's client id), or 'close'. */
type Step = readonly [on: number, ...args: string[]];

interface Transcript {
  readonly streams: string[];
}

let markers = 0;

/** Runs `steps` on `protocols.length` fresh connections to `port`; returns each connection's bytes, ids named. */
async function runSteps(port: number, protocols: readonly (2 | 3)[], steps: readonly Step[]): Promise<Transcript> {
  const setup = await RawClient.connect(port);
  await setup.call('FLUSHALL');
  setup.close();
  const clients = await Promise.all(protocols.map(() => RawClient.connect(port)));
  try {
    const ids: number[] = [];
    for (let i = 0; i < clients.length; i++) {
      const id = await clients[i]!.call('CLIENT', 'ID');
      assert.equal(id.type, 'integer');
      ids.push(Number((id as { value: bigint | number }).value));
      if (protocols[i] === 3) await clients[i]!.call('HELLO', '3');
      clients[i]!.raw = Buffer.alloc(0);
    }
    const open = clients.map(() => true);
    /** A connection inside MULTI is not synced (a PING would be queued): its replies come in order anyway. */
    const queueing = clients.map(() => false);
    for (const [on, ...args] of steps) {
      const name = args[0]!.toLowerCase();
      queueing[on] = name === 'multi' || (queueing[on]! && name !== 'exec' && name !== 'discard');
      if (args[0] === 'close') {
        clients[on]!.close();
        open[on] = false;
      } else clients[on]!.command(...args.map((a) => a.replace(/<c(\d+)>/g, (_m, n: string) => String(ids[Number(n)]))));
      // The step's own reply first (its write applied), then everything it made the server send the others.
      if (queueing[on]) continue;
      // A PING would spend CLIENT CACHING's flag: the command after it is synced instead.
      const caching = name === 'client' && args[1]!.toLowerCase() === 'caching';
      if (open[on] && !caching) await sync(clients[on]!);
      await Promise.all(clients.map((c, i) => (open[i] && i !== on && !queueing[i] ? sync(c) : undefined)));
    }
    return { streams: clients.map((c) => named(c.raw.toString('latin1'), ids)) };
  } finally {
    for (const c of clients) c.close();
  }
}

/** Waits until everything the server sent `client` before a PING of ours has arrived. */
async function sync(client: RawClient): Promise<void> {
  const marker = `sync-${String(++markers).padStart(9, '0')}`;
  client.command('PING', marker);
  await waitFor(`the ${marker} echo`, () => (client.raw.includes(marker) ? true : undefined));
}

function named(stream: string, ids: readonly number[]): string {
  let out = stream.replace(/sync-\d+/g, 'sync-N');
  ids.forEach((id, i) => (out = out.replaceAll(`:${id}\r\n`, `:<c${i}>\r\n`)));
  return out;
}

async function same(protocols: readonly (2 | 3)[], steps: readonly Step[]): Promise<Transcript> {
  const theirs = await runSteps(servers.redis!.port, protocols, steps);
  const ours = await runSteps(servers.cairn!.port, protocols, steps);
  assert.deepEqual(ours.streams, theirs.streams);
  return ours;
}

test('CLIENT TRACKING, CACHING, GETREDIR and TRACKINGINFO reply and fail as redis-server (RESP2 and RESP3)', { skip: !haveRedis }, async () => {
  const steps: Step[] = [
    [0, 'CLIENT', 'TRACKINGINFO'], [0, 'CLIENT', 'GETREDIR'], [0, 'CLIENT', 'CACHING', 'yes'],
    [0, 'CLIENT', 'TRACKING', 'on', 'optin', 'optout'], [0, 'CLIENT', 'TRACKING', 'on', 'prefix', 'a'],
    [0, 'CLIENT', 'TRACKING', 'on', 'bcast', 'optin'], [0, 'CLIENT', 'TRACKING', 'on', 'redirect', '987654'],
    [0, 'CLIENT', 'TRACKING', 'on', 'redirect', 'nope'], [0, 'CLIENT', 'TRACKING', 'on', 'redirect', '<c1>', 'redirect', '<c1>'],
    [0, 'CLIENT', 'TRACKING', 'on', 'bcast', 'prefix', 'ab', 'prefix', 'a'], [0, 'CLIENT', 'TRACKING', 'maybe'],
    [0, 'CLIENT', 'TRACKING', 'on', 'sideways'], [0, 'CLIENT', 'TRACKING', 'on', 'prefix'], [0, 'CLIENT', 'TRACKING'],
    [0, 'CLIENT', 'TRACKING', 'on'], [0, 'CLIENT', 'CACHING', 'yes'], [0, 'CLIENT', 'CACHING', 'no'], [0, 'CLIENT', 'CACHING', 'maybe'],
    [0, 'CLIENT', 'TRACKINGINFO'], [0, 'CLIENT', 'TRACKING', 'on', 'optin'], [0, 'CLIENT', 'TRACKING', 'off'],
    [0, 'CLIENT', 'TRACKING', 'on', 'optin', 'noloop', 'redirect', '<c1>'], [0, 'CLIENT', 'CACHING', 'yes'],
    [0, 'CLIENT', 'TRACKINGINFO'], [0, 'CLIENT', 'GETREDIR'], [0, 'CLIENT', 'TRACKING', 'on', 'optout'],
    [0, 'GET', 'x'], [0, 'CLIENT', 'TRACKINGINFO'], [0, 'CLIENT', 'TRACKING', 'off'],
    [0, 'CLIENT', 'TRACKING', 'on', 'optout'], [0, 'CLIENT', 'CACHING', 'no'], [0, 'CLIENT', 'TRACKINGINFO'],
    [0, 'CLIENT', 'TRACKING', 'off'], [0, 'CLIENT', 'TRACKING', 'on', 'bcast', 'prefix', 'a', 'prefix', 'b'],
    [0, 'CLIENT', 'TRACKING', 'on'], [0, 'CLIENT', 'TRACKING', 'on', 'bcast', 'prefix', 'ab'],
    [0, 'CLIENT', 'TRACKING', 'on', 'bcast', 'prefix', 'c'], [0, 'CLIENT', 'TRACKINGINFO'], [0, 'CLIENT', 'GETREDIR'],
    [0, 'CLIENT', 'TRACKING', 'off'], [0, 'CLIENT', 'TRACKING', 'on', 'bcast'], [0, 'CLIENT', 'TRACKINGINFO'],
    [0, 'CLIENT', 'TRACKING', 'off', 'whatever'], [0, 'CLIENT', 'TRACKINGINFO'],
  ];
  await same([3, 3], steps);
  await same([2, 2], steps);
});

test('invalidations reach the reader, after its own write\'s reply, and a key is told once until read again', { skip: !haveRedis }, async () => {
  const t = await same([3, 3], [
    [0, 'CLIENT', 'TRACKING', 'on'], [0, 'GET', 'k'], [0, 'MGET', 'k', 'j'], [1, 'SET', 'k', 'v'], [1, 'SET', 'k', 'w'],
    [0, 'GET', 'k'], [0, 'SET', 'k', 'own'], [1, 'DEL', 'k'], [0, 'GET', 'j'], [1, 'SET', 'j', '1'],
    [0, 'CLIENT', 'TRACKING', 'off'], [0, 'GET', 'k'], [1, 'SET', 'k', '2'],
  ]);
  assert.match(t.streams[0]!, />2\r\n\$10\r\ninvalidate\r\n\*1\r\n\$1\r\nk\r\n/);
});

test('NOLOOP spares the writer its own changes, not others\'', { skip: !haveRedis }, async () => {
  await same([3, 3], [
    [0, 'CLIENT', 'TRACKING', 'on', 'noloop'], [0, 'GET', 'k'], [0, 'SET', 'k', 'mine'], [0, 'GET', 'k'], [1, 'SET', 'k', 'theirs'],
    [0, 'GET', 'a'], [0, 'DEL', 'a'], [1, 'SET', 'a', '1'],
    [0, 'EVAL_RO', "return redis.call('GET', KEYS[1])", '1', 's'], [1, 'SET', 's', '1'],
  ]);
});

test('OPTIN and OPTOUT remember a read as CLIENT CACHING says, for one command or one transaction', { skip: !haveRedis }, async () => {
  await same([3, 3], [
    [0, 'CLIENT', 'TRACKING', 'on', 'optin'], [0, 'GET', 'a'], [0, 'CLIENT', 'CACHING', 'yes'], [0, 'GET', 'b'], [0, 'GET', 'c'],
    [0, 'CLIENT', 'CACHING', 'yes'], [0, 'MULTI'], [0, 'GET', 'd'], [0, 'GET', 'e'], [0, 'EXEC'], [0, 'GET', 'f'],
    [1, 'DEL', 'nothing'], [1, 'SET', 'a', '1'], [1, 'SET', 'b', '1'], [1, 'SET', 'c', '1'], [1, 'SET', 'd', '1'], [1, 'SET', 'e', '1'], [1, 'SET', 'f', '1'],
    [0, 'CLIENT', 'TRACKING', 'off'], [0, 'CLIENT', 'TRACKING', 'on', 'optout'], [0, 'CLIENT', 'CACHING', 'no'], [0, 'GET', 'a'], [0, 'GET', 'b'],
    [1, 'SET', 'a', '2'], [1, 'SET', 'b', '2'],
  ]);
});

test('BCAST tells every change under a prefix, one sorted array per prefix, NOLOOP writers spared their own', { skip: !haveRedis }, async () => {
  await same([3, 3, 3], [
    [0, 'CLIENT', 'TRACKING', 'on', 'bcast', 'prefix', 'user:', 'prefix', 'cart:'], [2, 'CLIENT', 'TRACKING', 'on', 'bcast', 'noloop'],
    [1, 'MULTI'], [1, 'SET', 'user:2', 'a'], [1, 'SET', 'other', 'b'], [1, 'SET', 'user:1', 'c'], [1, 'SET', 'cart:9', 'd'], [1, 'EXEC'],
    [1, 'DEL', 'user:1', 'nothing', 'cart:9'], [2, 'SET', 'user:3', 'x'], [2, 'GET', 'user:3'], [0, 'SET', 'user:4', 'y'],
  ]);
});

test('REDIRECT sends a RESP3 push to the redirect client; a RESP2 client without one hears nothing; a gone redirect client is reported', { skip: !haveRedis }, async () => {
  await same([3, 3, 2, 3], [
    [1, 'CLIENT', 'TRACKING', 'on', 'redirect', '<c0>'], [1, 'GET', 'k'], [2, 'CLIENT', 'TRACKING', 'on'], [2, 'GET', 'k'],
    [3, 'SET', 'k', '1'], [1, 'GET', 'k'], [2, 'CLIENT', 'TRACKINGINFO'], [0, 'close'], [3, 'SET', 'k', '2'],
    [1, 'CLIENT', 'TRACKINGINFO'], [1, 'CLIENT', 'GETREDIR'],
  ]);
});

test('CLIENT LIST shows the tracking flags and redirect as redis-server', { skip: !haveRedis }, async () => {
  const listed = async (port: number): Promise<string> => {
    const t = await runSteps(port, [3, 3], [[0, 'CLIENT', 'TRACKING', 'on', 'bcast', 'redirect', '<c1>'], [1, 'CLIENT', 'LIST', 'ID', '<c0>']]);
    return /flags=\S+/.exec(t.streams[1]!)![0] + ' ' + /redir=\S+/.exec(t.streams[1]!)![0];
  };
  const ours = await listed(servers.cairn!.port);
  assert.equal(ours, (await listed(servers.redis!.port)).replace(/redir=\d+/, ours.split(' ')[1]!));
  assert.equal(ours.split(' ')[0], 'flags=tB');
});

test('REDIRECT to a RESP2 client in subscribe mode sends __redis__:invalidate messages; to one not subscribed, nothing', { skip: !haveRedis }, async () => {
  const t = await same([2, 3, 2, 2, 2, 2], [
    [0, 'SUBSCRIBE', '__redis__:invalidate'], [1, 'CLIENT', 'TRACKING', 'on', 'redirect', '<c0>'], [1, 'MGET', 'k', 'j'],
    [3, 'CLIENT', 'TRACKING', 'on', 'redirect', '<c4>'], [3, 'GET', 'k'],
    [5, 'CLIENT', 'TRACKING', 'on', 'redirect', '<c5>'], [5, 'GET', 'k'], [5, 'SUBSCRIBE', 'elsewhere'],
    [2, 'SET', 'k', '1'], [2, 'DEL', 'j'], [1, 'CLIENT', 'TRACKING', 'on', 'bcast', 'prefix', 'p'], [1, 'CLIENT', 'TRACKING', 'off'],
    [1, 'CLIENT', 'TRACKING', 'on', 'bcast', 'redirect', '<c0>', 'prefix', 'p'], [2, 'MULTI'], [2, 'SET', 'p2', 'x'], [2, 'SET', 'p1', 'y'], [2, 'EXEC'],
  ]);
  assert.match(t.streams[0]!, /\*3\r\n\$7\r\nmessage\r\n\$20\r\n__redis__:invalidate\r\n\*1\r\n\$1\r\nk\r\n/);
  assert.match(t.streams[5]!, /__redis__:invalidate/);
});

test('FLUSHALL and FLUSHDB tell every tracking client with one null invalidation; keys are tracked whatever their database', { skip: !haveRedis }, async () => {
  const t = await same([3, 3, 3, 2], [
    [0, 'CLIENT', 'TRACKING', 'on'], [2, 'CLIENT', 'TRACKING', 'on', 'bcast', 'prefix', 'z'], [0, 'GET', 'k'], [1, 'SET', 'k', '1'],
    [1, 'SET', 'a', '1'], [1, 'SELECT', '1'], [1, 'SET', 'b', '2'], [3, 'SUBSCRIBE', '__redis__:invalidate'], [1, 'FLUSHALL'],
    [0, 'GET', 'k'], [1, 'SET', 'k', '2'], [0, 'GET', 'k'], [1, 'FLUSHDB'], [1, 'SET', 'k', '3'],
  ]);
  assert.match(t.streams[0]!, />2\r\n\$10\r\ninvalidate\r\n_\r\n/);
});

test('INFO counts tracking clients, keys, items and prefixes as redis-server', { skip: !haveRedis }, async () => {
  const counts = async (port: number): Promise<string[]> => {
    const t = await runSteps(port, [3, 3, 2, 2], [
      [0, 'CLIENT', 'TRACKING', 'on'], [0, 'MGET', 'a', 'b', 'c'], [1, 'CLIENT', 'TRACKING', 'on', 'optin'], [1, 'GET', 'a'],
      [1, 'CLIENT', 'CACHING', 'yes'], [1, 'GET', 'a'], [2, 'CLIENT', 'TRACKING', 'on', 'bcast', 'prefix', 'x', 'prefix', 'y'],
      [1, 'CLIENT', 'TRACKING', 'off'], [3, 'SET', 'b', '1'], [3, 'INFO'],
    ]);
    return t.streams[3]!.match(/tracking_\w+:\d+/g) ?? [];
  };
  const ours = await counts(servers.cairn!.port);
  assert.deepEqual(ours, await counts(servers.redis!.port));
  assert.deepEqual(ours, ['tracking_clients:2', 'tracking_total_keys:2', 'tracking_total_items:3', 'tracking_total_prefixes:2']);
});

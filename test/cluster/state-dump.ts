// What a node holds, read through its clients' own commands, for the convergence test: its
// CAIRN.DIGEST ([applied index, SHA-256 of the kv snapshot bytes]) and a dump of databases 0-15 on
// a READONLY connection (this node's applied state, no ReadIndex): every key by SCAN, its TYPE and
// value (GET, HGETALL and SMEMBERS sorted, LRANGE, ZRANGE WITHSCORES, XRANGE) and whether it has a
// TTL. Keys expiring within a minute are left out: two nodes read them at different instants.
import { Redis } from 'ioredis';

export interface Digest {
  readonly index: number;
  readonly sha256: string;
}

export async function digestOf(client: Redis): Promise<Digest> {
  const reply = (await client.call('CAIRN.DIGEST')) as [number, string];
  return { index: reply[0], sha256: reply[1] };
}

const DATABASES = 16;
/** Keys whose TTL ends sooner than this are not compared (they may expire between two nodes' reads). */
const volatileMsMin = 60_000;

/** Every database's keys as sorted `db key type ttl value` lines. */
export async function dumpOf(port: number): Promise<string[]> {
  const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, lazyConnect: true });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.call('READONLY');
    const lines: string[] = [];
    for (let db = 0; db < DATABASES; db++) {
      await client.select(db);
      for (const key of await allKeys(client)) {
        const line = await keyLine(client, key);
        if (line !== undefined) lines.push(`${db} ${key} ${line}`);
      }
    }
    return lines.sort();
  } finally {
    client.disconnect();
  }
}

async function allKeys(client: Redis): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  for (let turns = 0; turns < 10_000; turns++) {
    const [next, found] = await client.scan(cursor, 'COUNT', 100);
    keys.push(...found);
    cursor = next;
    if (cursor === '0') return keys;
  }
  throw new Error('SCAN did not finish');
}

async function keyLine(client: Redis, key: string): Promise<string | undefined> {
  const pttl = await client.pttl(key);
  if (pttl === -2 || (pttl >= 0 && pttl < volatileMsMin)) return undefined;
  const type = await client.type(key);
  const value = await valueOf(client, key, type);
  return `${type} ${pttl === -1 ? 'persistent' : 'expiring'} ${JSON.stringify(value)}`;
}

async function valueOf(client: Redis, key: string, type: string): Promise<unknown> {
  switch (type) {
    case 'string': return client.get(key);
    case 'hash': return Object.entries(await client.hgetall(key)).sort();
    case 'set': return (await client.smembers(key)).sort();
    case 'list': return client.lrange(key, 0, -1);
    case 'zset': return client.zrange(key, 0, -1, 'WITHSCORES');
    case 'stream': return client.xrange(key, '-', '+');
    default: return `unexpected type ${type}`;
  }
}

// Random commands of every Redis type, for the convergence tests (kv determinism and a real
// cluster): one line per command in COMMANDS, so a type landing later adds its commands there.
// Keys are few and shared across types (a key of one type is often hit by another type's command:
// WRONGTYPE), members and values are few (commands collide), and a type's commands that kv does
// not implement yet are listed anyway: an unknown command gets the same error on every replica.
// Blocking commands carry a short timeout (kv runs them at once; a server waits at most that).

import { Prng } from '../../src/lib/prng.js';

/** Draws one command's arguments (after the name) from the workload's Prng. */
export type ArgsOf = (r: Draw) => string[];

export class Draw {
  constructor(readonly prng: Prng) {}
  /** A key: mostly of this type's own few, sometimes any other (WRONGTYPE, RENAME across types). */
  key(kind: string): string {
    return this.prng.chance(0.15) ? this.prng.pick(ALL_KEYS) : `${kind}:${this.prng.int(0, 3)}`;
  }
  keys(kind: string, countMax: number): string[] {
    return Array.from({ length: this.prng.int(1, countMax) }, () => this.key(kind));
  }
  /** Small sets of members, with integers (intset) and long ones (past listpack's 64 bytes). */
  member(): string {
    const n = this.prng.int(0, 39);
    if (n < 14) return String(n - 4);
    if (n < 37) return `m${n}`;
    return `long-${'x'.repeat(64)}-${n}`;
  }
  members(countMax: number): string[] {
    return Array.from({ length: this.prng.int(1, countMax) }, () => this.member());
  }
  int(min: number, max: number): string {
    return String(this.prng.int(min, max));
  }
  pick(...words: string[]): string {
    return this.prng.pick(words);
  }
  score(): string {
    return this.pick(String(this.prng.int(-3, 9)), `${this.prng.int(0, 9)}.5`, '-inf', '+inf');
  }
  /** Optional words, each present or not. */
  maybe(...words: string[][]): string[] {
    return words.flatMap((w) => (this.prng.chance(0.3) ? w : []));
  }
}

const KINDS = ['str', 'hash', 'set', 'list', 'zset', 'stream', 'bits', 'hll'];
export const ALL_KEYS: readonly string[] = KINDS.flatMap((kind) => [0, 1, 2, 3].map((i) => `${kind}:${i}`));

/** Every command of the workload by name, with its argument generator. */
export const COMMANDS: readonly (readonly [string, ArgsOf])[] = [
  // strings
  ['SET', (r) => [r.key('str'), r.member(), ...r.maybe(['PX', r.int(1, 400)], [r.pick('NX', 'XX', 'GET', 'KEEPTTL')])]],
  ['GET', (r) => [r.key('str')]],
  ['INCRBY', (r) => [r.key('str'), r.int(-5, 9)]],
  ['INCRBYFLOAT', (r) => [r.key('str'), '0.25']],
  ['APPEND', (r) => [r.key('str'), r.member()]],
  ['SETRANGE', (r) => [r.key('str'), r.int(0, 8), 'Q']],
  ['GETDEL', (r) => [r.key('str')]],
  ['GETEX', (r) => [r.key('str'), 'PX', r.int(1, 400)]],
  ['MSET', (r) => [r.key('str'), r.member(), r.key('str'), r.member()]],
  // generic: expiry, renames, deletes, databases
  ['DEL', (r) => r.keys(r.pick(...KINDS), 3)],
  ['UNLINK', (r) => r.keys(r.pick(...KINDS), 2)],
  ['PEXPIRE', (r) => [r.key(r.pick(...KINDS)), r.int(1, 600), ...r.maybe([r.pick('NX', 'XX', 'GT', 'LT')])]],
  // TTLs are under a second or over 15 minutes: the cluster test's dumps leave out keys expiring soon.
  ['EXPIRE', (r) => [r.key(r.pick(...KINDS)), r.pick('-1', '0', '1000', '86400')]],
  ['PERSIST', (r) => [r.key(r.pick(...KINDS))]],
  ['RENAME', (r) => [r.key(r.pick(...KINDS)), r.key(r.pick(...KINDS))]],
  ['RENAMENX', (r) => [r.key(r.pick(...KINDS)), r.key(r.pick(...KINDS))]],
  ['MOVE', (r) => [r.key(r.pick(...KINDS)), r.int(0, 3)]],
  ['SWAPDB', (r) => [r.int(0, 3), r.int(0, 3)]],
  ['FLUSHDB', () => []],
  ['COPY', (r) => [r.key(r.pick(...KINDS)), r.key(r.pick(...KINDS)), ...r.maybe(['DB', r.int(0, 3)], ['REPLACE'])]],
  ['OBJECT', (r) => ['ENCODING', r.key(r.pick(...KINDS))]],
  ['SORT', (r) => [r.key(r.pick('list', 'set', 'zset')), ...r.maybe(['ALPHA'], ['LIMIT', '0', '3'], ['STORE', r.key('list')])]],
  ['TYPE', (r) => [r.key(r.pick(...KINDS))]],
  ['EXISTS', (r) => r.keys(r.pick(...KINDS), 3)],
  ['PTTL', (r) => [r.key(r.pick(...KINDS))]],
  ['SCAN', (r) => [r.pick('0', '3', '12'), 'COUNT', r.int(1, 5), ...r.maybe(['TYPE', r.pick('string', 'set', 'hash', 'list')])]],
  ['KEYS', (r) => [r.pick('*', 'set:*', '*:1')]],
  ['RANDOMKEY', () => []],
  ['DBSIZE', () => []],
  ['MGET', (r) => r.keys('str', 3)],
  ['GETRANGE', (r) => [r.key('str'), r.int(-3, 3), r.int(-3, 9)]],
  // hashes
  ['HSET', (r) => [r.key('hash'), r.member(), r.member(), ...r.maybe([r.member(), r.member()])]],
  ['HSETNX', (r) => [r.key('hash'), r.member(), r.member()]],
  ['HDEL', (r) => [r.key('hash'), ...r.members(3)]],
  ['HINCRBY', (r) => [r.key('hash'), r.member(), r.int(-3, 5)]],
  ['HINCRBYFLOAT', (r) => [r.key('hash'), r.member(), '1.5']],
  ['HGETALL', (r) => [r.key('hash')]],
  ['HRANDFIELD', (r) => [r.key('hash'), r.int(-4, 4)]],
  ['HMGET', (r) => [r.key('hash'), ...r.members(3)]],
  ['HSCAN', (r) => [r.key('hash'), r.pick('0', '5'), 'COUNT', r.int(1, 4)]],
  // sets
  ['SADD', (r) => [r.key('set'), ...r.members(6)]],
  ['SREM', (r) => [r.key('set'), ...r.members(3)]],
  ['SPOP', (r) => [r.key('set'), ...r.maybe([r.int(0, 5)])]],
  ['SMOVE', (r) => [r.key('set'), r.key('set'), r.member()]],
  ['SINTERSTORE', (r) => [r.key('set'), ...r.keys('set', 3)]],
  ['SUNIONSTORE', (r) => [r.key('set'), ...r.keys('set', 3)]],
  ['SDIFFSTORE', (r) => [r.key('set'), ...r.keys('set', 3)]],
  ['SRANDMEMBER', (r) => [r.key('set'), r.int(-4, 4)]],
  ['SMEMBERS', (r) => [r.key('set')]],
  ['SSCAN', (r) => [r.key('set'), r.pick('0', '5'), 'COUNT', r.int(1, 4)]],
  ['SINTERCARD', (r) => ['2', r.key('set'), r.key('set')]],
  ['SUNION', (r) => r.keys('set', 3)],
  ['SMISMEMBER', (r) => [r.key('set'), ...r.members(3)]],
  // lists
  ['LPUSH', (r) => [r.key('list'), ...r.members(5)]],
  ['RPUSH', (r) => [r.key('list'), ...r.members(5)]],
  ['LPUSHX', (r) => [r.key('list'), r.member()]],
  ['LPOP', (r) => [r.key('list'), ...r.maybe([r.int(0, 3)])]],
  ['RPOP', (r) => [r.key('list')]],
  ['LSET', (r) => [r.key('list'), r.int(-3, 3), r.member()]],
  ['LINSERT', (r) => [r.key('list'), r.pick('BEFORE', 'AFTER'), r.member(), r.member()]],
  ['LREM', (r) => [r.key('list'), r.int(-2, 2), r.member()]],
  ['LTRIM', (r) => [r.key('list'), r.int(0, 2), r.int(-3, 20)]],
  ['LMOVE', (r) => [r.key('list'), r.key('list'), r.pick('LEFT', 'RIGHT'), r.pick('LEFT', 'RIGHT')]],
  ['RPOPLPUSH', (r) => [r.key('list'), r.key('list')]],
  ['LMPOP', (r) => ['2', r.key('list'), r.key('list'), r.pick('LEFT', 'RIGHT'), 'COUNT', r.int(1, 3)]],
  ['BLPOP', (r) => [r.key('list'), r.key('list'), '0.01']],
  ['BLMOVE', (r) => [r.key('list'), r.key('list'), 'LEFT', 'RIGHT', '0.01']],
  ['LRANGE', (r) => [r.key('list'), '0', '-1']],
  ['LPOS', (r) => [r.key('list'), r.member(), ...r.maybe(['RANK', r.pick('1', '-1', '2')], ['COUNT', '0'])]],
  ['LINDEX', (r) => [r.key('list'), r.int(-3, 3)]],
  // sorted sets (not in kv yet: errors alike until they land)
  ['ZADD', (r) => [r.key('zset'), ...r.maybe([r.pick('NX', 'XX', 'GT', 'LT')], ['CH']), r.score(), r.member(), r.score(), r.member()]],
  ['ZINCRBY', (r) => [r.key('zset'), r.score(), r.member()]],
  ['ZREM', (r) => [r.key('zset'), ...r.members(3)]],
  ['ZPOPMIN', (r) => [r.key('zset'), ...r.maybe([r.int(1, 3)])]],
  ['ZREMRANGEBYSCORE', (r) => [r.key('zset'), r.score(), r.score()]],
  ['ZUNIONSTORE', (r) => [r.key('zset'), '2', r.key('zset'), r.key('set'), ...r.maybe(['AGGREGATE', r.pick('SUM', 'MIN', 'MAX')])]],
  ['ZRANGESTORE', (r) => [r.key('zset'), r.key('zset'), '0', '-1']],
  ['ZRANDMEMBER', (r) => [r.key('zset'), r.int(-3, 3)]],
  ['ZRANGE', (r) => [r.key('zset'), '0', '-1', 'WITHSCORES']],
  // streams
  ['XADD', (r) => [r.key('stream'), ...r.maybe(['MAXLEN', '~', r.int(2, 9)]), r.int(0, 5) === '0' ? '*' : `${r.int(1, 9)}-${r.int(0, 1)}`, r.member(), r.member()]],
  ['XDEL', (r) => [r.key('stream'), `${r.int(1, 9)}-${r.int(0, 1)}`]],
  ['XTRIM', (r) => [r.key('stream'), 'MAXLEN', r.int(0, 6)]],
  ['XGROUP', (r) => ['CREATE', r.key('stream'), `g${r.int(0, 1)}`, '0', 'MKSTREAM']],
  ['XREADGROUP', (r) => ['GROUP', `g${r.int(0, 1)}`, `c${r.int(0, 1)}`, 'COUNT', '2', 'STREAMS', r.key('stream'), '>']],
  ['XACK', (r) => [r.key('stream'), `g${r.int(0, 1)}`, `${r.int(1, 9)}-${r.int(0, 1)}`]],
  ['XRANGE', (r) => [r.key('stream'), '-', '+']],
  // bitmaps and HyperLogLog
  ['SETBIT', (r) => [r.key('bits'), r.int(0, 70), r.int(0, 1)]],
  ['BITOP', (r) => [r.pick('AND', 'OR', 'XOR'), r.key('bits'), r.key('bits'), r.key('bits')]],
  ['BITFIELD', (r) => [r.key('bits'), 'INCRBY', 'u8', r.int(0, 40), r.int(-5, 5), ...r.maybe(['OVERFLOW', r.pick('WRAP', 'SAT', 'FAIL')])]],
  ['PFADD', (r) => [r.key('hll'), ...r.members(4)]],
  ['PFMERGE', (r) => [r.key('hll'), r.key('hll'), r.key('hll')]],
  ['PFCOUNT', (r) => [r.key('hll')]],
];

/** Commands whose weight differs from 1 (rare ones empty whole databases). */
const WEIGHTS: ReadonlyMap<string, number> = new Map([['SWAPDB', 0.2], ['FLUSHDB', 0.03], ['SPOP', 3], ['SADD', 3], ['HSET', 2], ['RPUSH', 2], ['ZADD', 2], ['XADD', 2], ['XREADGROUP', 2], ['XACK', 3]]);

/** Picks commands by weight, optionally leaving out some names (e.g. reads whose reply is random). */
export class Workload {
  private readonly table: readonly (readonly [string, ArgsOf, number])[];
  private readonly totalWeight: number;
  readonly draw: Draw;

  constructor(seed: number, without: ReadonlySet<string> = new Set()) {
    this.draw = new Draw(new Prng(seed));
    this.table = COMMANDS.filter(([name]) => !without.has(name)).map(([name, args]) => [name, args, WEIGHTS.get(name) ?? 1] as const);
    this.totalWeight = this.table.reduce((sum, [, , weight]) => sum + weight, 0);
  }

  /** One command: name and arguments. */
  next(): string[] {
    let left = this.draw.prng.next() * this.totalWeight;
    for (const [name, args, weight] of this.table) {
      left -= weight;
      if (left <= 0) return [name, ...args(this.draw)];
    }
    const [name, args] = this.table[0]!;
    return [name, ...args(this.draw)];
  }
}

// The keyspace-event differential's corpus: for every write command Cairn implements, the cases
// whose events Redis 7.0 distinguishes (new key, overwrite, missing key, wrong type, no-op
// variants, a collection emptied, an expired key found by the write). Each case starts from an
// empty database 0; a `{ waitMs }` step lets short expiries (PX 1) run out on both sides, and a
// leading '?' on a command name marks a random reply (only its events are compared).

import type { Step } from './key-events-harness.js';

export interface EventCase {
  readonly name: string;
  readonly steps: readonly Step[];
}

const s = (line: string): string[] => line.split(' ');
const steps = (...lines: (string | { waitMs: number })[]): Step[] => lines.map((l) => (typeof l === 'string' ? s(l) : l));
const EXPIRE_SOON = { waitMs: 5 };

export const STRING_CASES: readonly EventCase[] = [
  { name: 'set', steps: steps('SET a 1', 'SET a 2', 'SET a 3 NX', 'SET b 3 XX', 'SET a 4 XX EX 100', 'SET a 5 KEEPTTL', 'SET a 6 GET', 'SET c 7 GET', 'SET a 8 PX 100 GET', 'LPUSH l x', 'SET l 1 GET', 'SET l 1') },
  { name: 'set nx/xx with expiry', steps: steps('SET a 1 NX EX 10', 'SET a 2 NX EX 10', 'SET a 3 XX PXAT 99999999999999', 'SET b 1 EXAT 99999999999999') },
  { name: 'setnx setex psetex getset', steps: steps('SETNX a 1', 'SETNX a 2', 'SETEX b 100 v', 'PSETEX c 100000 v', 'SETEX b 0 v', 'GETSET a 3', 'GETSET d 1', 'LPUSH l x', 'GETSET l 1') },
  { name: 'getdel getex', steps: steps('SET a 1', 'GETDEL a', 'GETDEL a', 'SET a 1', 'GETEX a', 'GETEX a EX 100', 'GETEX a PERSIST', 'GETEX a PX 100', 'GETEX a PERSIST', 'GETEX a PERSIST', 'GETEX missing EX 10', 'GETEX a EXAT 1', 'GETEX a', 'SET b 1', 'GETEX b PXAT 1') },
  { name: 'mset msetnx', steps: steps('MSET a 1 b 2 a 3', 'MSETNX c 1 d 2', 'MSETNX c 1 e 2', 'MSETNX f 1 f 2') },
  { name: 'counters', steps: steps('INCR a', 'INCR a', 'DECR a', 'INCRBY a 5', 'DECRBY a 2', 'DECRBY b 2', 'INCRBYFLOAT a 1.5', 'INCRBYFLOAT c 1e3', 'SET s x', 'INCR s', 'INCRBYFLOAT s 1', 'LPUSH l x', 'INCR l', 'SET big 9223372036854775807', 'INCR big') },
  { name: 'append setrange', steps: steps('APPEND a x', 'APPEND a y', 'SETRANGE b 3 x', 'SETRANGE b 0 z', 'SETRANGE c 0 ', 'SETRANGE b 0 ', 'SETRANGE c 5 ', 'LPUSH l x', 'APPEND l x') },
  { name: 'expired string found by writes', steps: steps('SET a 1 PX 1', 'SET b 1 PX 1', 'SET c 1 PX 1', 'SET d 1 PX 1', 'SET e 1 PX 1', 'SET f 1 PX 1', EXPIRE_SOON, 'SET a 2', 'INCR b', 'APPEND c x', 'SETNX d 1', 'SET e 2 XX', 'GETDEL f') },
  { name: 'expired strings found by mset and set nx', steps: steps('SET a 1 PX 1', 'SET b 1 PX 1', 'SET c 1 PX 1', 'SET d 1 PX 1', EXPIRE_SOON, 'MSET a 2 x 1 a 3', 'SET b 2 NX', 'MSETNX c 2', 'SET d 2 NX GET') },
  { name: 'set with a past expiry', steps: steps('SET a 1', 'SET a 2 EXAT 1', 'SET b 1 PXAT 1', 'SET c 1 PXAT 1 GET') },
  { name: 'binary keys and another database', steps: [['SET', 'k\u00ff\u0000 x', 'v'], ['SELECT', '3'], ['SET', 'k', 'v'], ['INCR', 'n'], ['DEL', 'k'], ['SELECT', '0']] },
]

export const BIT_CASES: readonly EventCase[] = [
  { name: 'setbit', steps: steps('SETBIT a 7 1', 'SETBIT a 7 1', 'SETBIT a 7 0', 'SETBIT a 100 0', 'LPUSH l x', 'SETBIT l 1 1') },
  { name: 'bitop', steps: steps('SET a abc', 'SET b xyz', 'BITOP AND d a b', 'BITOP OR d a b', 'BITOP NOT d missing', 'BITOP XOR d missing other', 'BITOP AND e missing', 'LPUSH l x', 'BITOP AND d l a') },
  { name: 'bitfield', steps: steps('BITFIELD a GET u8 0', 'BITFIELD a SET u8 0 255', 'BITFIELD a INCRBY u8 0 10', 'BITFIELD a OVERFLOW FAIL INCRBY u8 0 255', 'BITFIELD b OVERFLOW FAIL INCRBY u2 0 5', 'BITFIELD a SET u8 0 1 GET u8 0 SET u8 8 2', 'BITFIELD_RO a GET u8 0',
    'BITFIELD a SET u8 0 1', 'BITFIELD a INCRBY i8 0 0', 'BITFIELD a SET u8 0 1 SET u8 0 2', 'BITFIELD a SET u8 100 0', 'BITFIELD a OVERFLOW FAIL INCRBY u8 0 255 SET u8 200 0', 'BITFIELD c SET i8 0 -1', 'BITFIELD c SET i8 0 -1') },
  { name: 'expired destinations', steps: steps('SET a abc', 'SET d 1 PX 1', 'SET h 1 PX 1', 'SET s 1 PX 1', EXPIRE_SOON, 'BITOP AND d a', 'PFADD x a', 'PFMERGE h x', 'SETBIT s 1 1') },
  { name: 'hyperloglog', steps: steps('PFADD h a b c', 'PFADD h a', 'PFADD h', 'PFADD h2', 'PFCOUNT h', 'PFCOUNT h', 'PFADD h d', 'PFCOUNT h h2', 'PFMERGE m h h2', 'PFMERGE m', 'PFMERGE n', 'SET s x', 'PFADD s a', 'PFMERGE s h') },
];

export const GENERIC_CASES: readonly EventCase[] = [
  { name: 'del unlink', steps: steps('SET a 1', 'SET b 2', 'DEL a b c', 'SET a 1', 'UNLINK a b', 'DEL a') },
  { name: 'expire family', steps: steps('SET a 1', 'EXPIRE a 100', 'PEXPIRE a 200000 GT', 'PEXPIRE a 1000 GT', 'EXPIRE a 50 LT', 'EXPIRE a 50 NX', 'EXPIREAT a 99999999999 XX', 'PEXPIREAT a 99999999999000', 'PERSIST a', 'PERSIST a', 'PERSIST missing', 'EXPIRE missing 10', 'EXPIRE a 0', 'SET b 1', 'PEXPIRE b -5', 'SET c 1', 'EXPIREAT c 1', 'SET d 1', 'PEXPIREAT d 0') },
  { name: 'expired keys found by expire and persist', steps: steps('SET a 1 PX 1', 'SET b 1 PX 1', EXPIRE_SOON, 'EXPIRE a 100', 'PERSIST b') },
  { name: 'rename', steps: steps('SET a 1', 'RENAME a b', 'RENAME a b', 'SET c 2', 'RENAME b c', 'RENAME c c', 'RENAMENX c c', 'SET d 1', 'RENAMENX c d', 'RENAMENX c e', 'SET x 1 EX 100', 'RENAME x y') },
  { name: 'move', steps: steps('SET a 1', 'MOVE a 1', 'MOVE a 1', 'SET a 2', 'MOVE a 1', 'SELECT 1', 'SET z 1', 'MOVE z 0', 'SELECT 0') },
  { name: 'copy', steps: steps('SET a 1', 'COPY a b', 'COPY a b', 'COPY a b REPLACE', 'COPY missing b', 'COPY a a', 'RPUSH l x y', 'COPY l l2', 'SADD st m', 'COPY st b REPLACE') },
  { name: 'sort store', steps: steps('RPUSH l 3 1 2', 'SORT l STORE d', 'SORT l STORE d', 'SORT missing STORE d', 'SORT missing STORE e', 'SADD st b a', 'SORT st ALPHA STORE st2', 'SORT l') },
  { name: 'expired targets of rename move copy sort', steps: steps('SET a 1', 'SET t 1 PX 1', 'SET u 1 PX 1', 'RPUSH l 2 1', 'SET v 1 PX 1', EXPIRE_SOON, 'RENAME a t', 'COPY t u', 'SORT l STORE v', 'RENAMENX t u') },
  { name: 'empty results onto expired keys', steps: steps('SET d 1 PX 1', 'SET e 1 PX 1', 'SET f 1 PX 1', 'SET g 1 PX 1', EXPIRE_SOON, 'SORT missing STORE d', 'ZUNIONSTORE e 1 missing', 'BITOP OR f missing', 'ZRANGESTORE g missing 0 -1') },
  { name: 'expired source of rename and move', steps: steps('SET a 1 PX 1', 'SET b 1 PX 1', EXPIRE_SOON, 'RENAME a x', 'MOVE b 1') },
  { name: 'expired sources of writes', steps: steps('SET a 1 PX 1', 'SADD b 1', 'PEXPIRE b 1', 'ZADD c 1 x', 'PEXPIRE c 1', 'SET d x PX 1', 'PFADD e x', 'PEXPIRE e 1', 'RPUSH f 1', 'PEXPIRE f 1', 'RPUSH g 1', 'PEXPIRE g 1', 'SADD h 1', 'PEXPIRE h 1', EXPIRE_SOON,
    'COPY a z', 'SINTERSTORE z b', 'ZUNIONSTORE z 1 c', 'BITOP NOT z d', 'PFMERGE z e', 'SORT f STORE z', 'RPOPLPUSH g z', 'SMOVE h z 1', 'PFCOUNT e') },
  { name: 'expired sources of pfcount and zrangestore', steps: steps('PFADD e x', 'PEXPIRE e 1', 'ZADD c 1 x', 'PEXPIRE c 1', 'SET d x PX 1', 'SET t x PX 1', EXPIRE_SOON, 'PFCOUNT e', 'ZRANGESTORE z c 0 -1', 'BITOP AND z d', 'SORT t') },
  { name: 'expired keys named by sort patterns', steps: steps('RPUSH l 2 1 3', 'SET w_1 9 PX 1', 'SET w_2 8', 'SET w_3 7 PX 1', 'HSET o_2 f x', 'PEXPIRE o_2 1', EXPIRE_SOON, 'SORT l BY w_* GET o_*->f GET # STORE d', 'SORT_RO l BY w_*') },
  { name: 'swapdb flush', steps: steps('SET a 1', 'SWAPDB 0 1', 'SELECT 1', 'DEL a', 'SELECT 0', 'SET a 1', 'FLUSHDB', 'SET a 1', 'FLUSHALL', 'SET b 1') },
];

export const HASH_CASES: readonly EventCase[] = [
  { name: 'hset family', steps: steps('HSET h a 1', 'HSET h a 2 b 3', 'HMSET h c 1', 'HSETNX h a 1', 'HSETNX h z 1', 'HSETNX h2 z 1', 'SET s x', 'HSET s a 1', 'HSETNX s a 1') },
  { name: 'hdel', steps: steps('HSET h a 1 b 2', 'HDEL h x', 'HDEL h a x', 'HDEL h b', 'HDEL h b', 'HSET h a 1 b 2', 'HDEL h a b c') },
  { name: 'hincrby', steps: steps('HINCRBY h a 1', 'HINCRBY h a 5', 'HINCRBYFLOAT h b 1.5', 'HINCRBYFLOAT h b 1', 'HSET h s x', 'HINCRBY h s 1', 'HINCRBYFLOAT h s 1') },
  { name: 'expired hash found by a write', steps: steps('HSET h a 1', 'PEXPIRE h 1', 'HSET g a 1', 'PEXPIRE g 1', EXPIRE_SOON, 'HSET h b 2', 'HDEL g a') },
];

export const LIST_CASES: readonly EventCase[] = [
  { name: 'push', steps: steps('LPUSH l a b', 'RPUSH l c', 'LPUSHX l d', 'RPUSHX l e', 'LPUSHX m a', 'RPUSHX m a', 'SET s x', 'LPUSH s a', 'LPUSHX s a') },
  { name: 'pop', steps: steps('RPUSH l a b c d', 'LPOP l', 'RPOP l', 'LPOP l 0', 'LPOP l 5', 'LPOP l', 'RPUSH l a', 'RPOP l 1', 'RPOP missing 2') },
  { name: 'lmpop blpop', steps: steps('RPUSH l a b c', 'LMPOP 2 missing l LEFT', 'LMPOP 1 l RIGHT COUNT 5', 'LMPOP 1 l LEFT', 'RPUSH l a b', 'BLPOP missing l 0', 'BRPOP l 0', 'RPUSH l x y', 'BLMPOP 0 1 l LEFT COUNT 10') },
  { name: 'lmove', steps: steps('RPUSH a 1 2 3', 'LMOVE a b LEFT RIGHT', 'LMOVE a b RIGHT LEFT', 'LMOVE a a LEFT RIGHT', 'RPOPLPUSH a b', 'LMOVE a b LEFT LEFT', 'BLMOVE b c LEFT LEFT 0', 'BRPOPLPUSH b b 0', 'RPUSH one x', 'LMOVE one one LEFT LEFT', 'SET s x', 'LMOVE b s LEFT LEFT') },
  { name: 'list wrong types and single elements', steps: steps('RPUSH one x', 'RPOPLPUSH one one', 'SET s x', 'RPOPLPUSH one s', 'LMOVE s one LEFT LEFT', 'LPOP one 0', 'RPUSH two a b', 'LMOVE two new RIGHT LEFT', 'LMOVE two new RIGHT RIGHT') },
  { name: 'lset linsert lrem ltrim', steps: steps('RPUSH l a b c a', 'LSET l 0 z', 'LSET l 9 z', 'LINSERT l BEFORE b y', 'LINSERT l AFTER nope y', 'LINSERT missing AFTER a y', 'LREM l 0 nope', 'LREM l 1 a', 'LTRIM l 0 -1', 'LTRIM l 1 2', 'LTRIM l 5 9', 'LTRIM l 0 1', 'RPUSH m a a', 'LREM m 0 a') },
  { name: 'expired list found by a pop', steps: steps('RPUSH l a', 'PEXPIRE l 1', EXPIRE_SOON, 'LPOP l', 'RPUSH l a') },
];

export const SET_CASES: readonly EventCase[] = [
  { name: 'sadd srem', steps: steps('SADD s a b', 'SADD s a', 'SREM s x', 'SREM s a', 'SREM s b', 'SREM s b', 'SET k x', 'SADD k a') },
  { name: 'spop', steps: steps('SADD s a b c', '?SPOP s', '?SPOP s 0', '?SPOP s 1', '?SPOP s 5', 'SPOP s', 'SADD s a b c d e f g', '?SPOP s 3', '?SPOP s 10', 'SPOP missing 2') },
  { name: 'smove', steps: steps('SADD a 1 2', 'SMOVE a b 1', 'SMOVE a b 9', 'SMOVE a b 2', 'SADD c 1', 'SMOVE b c 1', 'SMOVE c c 1', 'SMOVE missing c 1') },
  { name: 'expired sets found by writes', steps: steps('SADD a 1', 'PEXPIRE a 1', 'SADD b 1', 'PEXPIRE b 1', 'SADD c 1', 'SADD d 1', 'PEXPIRE d 1', EXPIRE_SOON, 'SADD a 2', 'SMOVE c b 1', 'SINTERSTORE d c') },
  { name: 'set stores', steps: steps('SADD a 1 2 3', 'SADD b 2 3 4', 'SINTERSTORE d a b', 'SUNIONSTORE d a b', 'SDIFFSTORE d a b', 'SINTERSTORE d a missing', 'SINTERSTORE d a missing', 'SDIFFSTORE e missing', 'SUNIONSTORE e a', 'SET k x', 'SUNIONSTORE e k') },
];

export const ZSET_CASES: readonly EventCase[] = [
  { name: 'zadd', steps: steps('ZADD z 1 a', 'ZADD z 1 a', 'ZADD z 2 a', 'ZADD z NX 3 a', 'ZADD z XX 3 b', 'ZADD z XX 3 a', 'ZADD z INCR 1 a', 'ZADD z GT 1 a', 'ZADD z CH 1 c 2 d', 'ZADD y XX 1 a', 'ZINCRBY z 1 a', 'ZINCRBY y 1 a', 'SET k x', 'ZADD k 1 a') },
  { name: 'zrem', steps: steps('ZADD z 1 a 2 b 3 c 4 d', 'ZREM z x', 'ZREM z a', 'ZREMRANGEBYRANK z 5 9', 'ZREMRANGEBYRANK z 0 0', 'ZREMRANGEBYSCORE z 3 3', 'ZADD z 0 x 0 y', 'ZREMRANGEBYLEX z [x [x', 'ZREMRANGEBYSCORE z -inf +inf', 'ZREM z a') },
  { name: 'zpop', steps: steps('ZADD z 1 a 2 b 3 c', 'ZPOPMIN z', 'ZPOPMAX z 0', 'ZPOPMAX z', 'ZPOPMIN missing', 'ZADD z 1 a 2 b', 'ZMPOP 1 z MIN COUNT 5', 'ZADD z 1 a 2 b', 'BZPOPMIN z 0', 'BZPOPMAX z 0', 'ZADD z 1 a', 'BZMPOP 0 2 missing z MAX') },
  { name: 'zadd nan and expired zsets', steps: steps('ZADD z INCR +inf a', 'ZADD z INCR -inf a', 'ZADD y 1 a', 'PEXPIRE y 1', 'ZADD w 1 a', 'PEXPIRE w 1', EXPIRE_SOON, 'ZADD y 2 b', 'ZPOPMIN w') },
  { name: 'zset stores', steps: steps('ZADD a 1 x 2 y', 'ZADD b 3 y 4 z', 'ZUNIONSTORE d 2 a b', 'ZINTERSTORE d 2 a b', 'ZDIFFSTORE d 2 a b', 'ZINTERSTORE d 2 a missing', 'ZINTERSTORE d 2 a missing', 'ZRANGESTORE r a 0 -1', 'ZRANGESTORE r a 5 9', 'ZRANGESTORE r a 5 9', 'ZUNIONSTORE e 1 missing') },
];

export const STREAM_CASES: readonly EventCase[] = [
  { name: 'xadd xtrim xdel', steps: steps('XADD s 1-1 a 1', 'XADD s 1-2 a 1', 'XADD s 1-1 a 1', 'XADD t NOMKSTREAM 1-1 a 1', 'XADD s MAXLEN 1 2-1 a 1', 'XTRIM s MAXLEN 5', 'XTRIM s MAXLEN 0', 'XDEL s 9-9', 'XADD s 3-1 a 1', 'XDEL s 3-1', 'XDEL missing 1-1', 'XLEN s') },
  { name: 'expired stream found by xadd', steps: steps('XADD s 1-1 a 1', 'PEXPIRE s 1', EXPIRE_SOON, 'XADD s 2-1 a 1', 'XADD s MAXLEN 0 3-1 a 1') },
  { name: 'expired streams found by group commands', steps: steps('XADD s 1-1 a 1', 'XGROUP CREATE s g 0', 'PEXPIRE s 1', 'XADD t 1-1 a 1', 'XGROUP CREATE t g 0', 'PEXPIRE t 1', 'XADD u 1-1 a 1', 'PEXPIRE u 1', EXPIRE_SOON, 'XREADGROUP GROUP g c STREAMS s >', 'XACK t g 1-1', 'XGROUP CREATE u g $ MKSTREAM') },
  { name: 'xsetid', steps: steps('XADD s 1-1 a 1', 'XSETID s 5-5', 'XSETID s 1-0', 'XSETID missing 1-1') },
  { name: 'xgroup', steps: steps('XGROUP CREATE s g $', 'XGROUP CREATE s g $ MKSTREAM', 'XGROUP CREATE s g $', 'XGROUP SETID s g 0', 'XGROUP SETID s nog 0', 'XGROUP CREATECONSUMER s g c', 'XGROUP CREATECONSUMER s g c', 'XGROUP DELCONSUMER s g c', 'XGROUP DELCONSUMER s g c', 'XGROUP CREATE s g2 0 ENTRIESREAD 0', 'XGROUP SETID s g2 $ ENTRIESREAD 1', 'XGROUP CREATE s g2 0', 'XGROUP DESTROY s g', 'XGROUP DESTROY s g') },
  { name: 'xreadgroup xack xclaim', steps: steps('XADD s 1-1 a 1', 'XADD s 1-2 b 2', 'XGROUP CREATE s g 0', 'XREADGROUP GROUP g c COUNT 1 STREAMS s >', 'XREADGROUP GROUP g c STREAMS s >', 'XREADGROUP GROUP g c STREAMS s >', 'XREADGROUP GROUP g idle STREAMS s >', 'XREADGROUP GROUP g c STREAMS s 0', 'XACK s g 1-1', 'XACK s g 1-1', 'XCLAIM s g d 0 1-2', 'XCLAIM s g d 0 1-2 JUSTID', 'XCLAIM s g e 0 9-9', 'XAUTOCLAIM s g f 0 0', 'XAUTOCLAIM s g f 0 0 JUSTID', 'XDEL s 1-2', 'XAUTOCLAIM s g h 0 0') },
];

export const SCRIPT_CASES: readonly EventCase[] = [
  { name: 'fcall', steps: [['FUNCTION', 'LOAD', "#!lua name=lib\nredis.register_function('f', function(keys) redis.call('hset', keys[1], 'a', '1'); redis.call('expire', keys[1], 100); return redis.call('hdel', keys[1], 'a') end)"], ['FCALL', 'f', '1', 'h'], ['FUNCTION', 'DELETE', 'lib']] },
  { name: 'eval', steps: steps("EVAL redis.call('set',KEYS[1],'1');redis.call('lpush',KEYS[2],'x');redis.call('del',KEYS[1]);return(1) 2 a l", "EVAL return(redis.call('incr',KEYS[1])) 1 n", "EVAL redis.call('rpop',KEYS[1]);return(redis.call('get','zz')) 1 l") },
];

export const ALL_CASES: readonly (readonly [string, readonly EventCase[]])[] = [
  ['strings', STRING_CASES], ['bits and hyperloglog', BIT_CASES], ['generic', GENERIC_CASES], ['hashes', HASH_CASES],
  ['lists', LIST_CASES], ['sets', SET_CASES], ['sorted sets', ZSET_CASES], ['streams', STREAM_CASES], ['scripts', SCRIPT_CASES],
];

// The corpus of the scripting differential test (script-differential.test.ts): batches of commands
// (latin1 strings) sent alike to kv/ and redis-server. The idioms of the libraries that run on
// scripts — BullMQ's job moves, Redlock's release and extend, token-bucket and sliding-window rate
// limiters, session stores — then the conversions in RESP2 and RESP3 (setresp), then the errors.
// Nothing here depends on time, Lua's table iteration order or Redis's global random state.

const REDLOCK_RELEASE = 'if redis.call("get",KEYS[1]) == ARGV[1] then return redis.call("del",KEYS[1]) else return 0 end';
const REDLOCK_EXTEND = 'if redis.call("get",KEYS[1]) == ARGV[1] then return redis.call("pexpire",KEYS[1],ARGV[2]) else return 0 end';

const TOKEN_BUCKET = `
local key = KEYS[1]
local capacity = tonumber(ARGV[1])
local refill = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local state = redis.call('HMGET', key, 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
local elapsed = math.max(0, now - ts)
tokens = math.min(capacity, tokens + elapsed * refill / 1000)
local allowed = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
end
redis.call('HSET', key, 'tokens', tokens, 'ts', now)
redis.call('PEXPIRE', key, math.ceil(capacity / refill * 1000))
return {allowed, tostring(tokens), math.floor(tokens)}
`;

const SLIDING_WINDOW = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, window)
  return {1, count + 1}
end
return {0, count}
`;

/** BullMQ-like: add a job (id from a counter, a hash, a wait list or a delayed zset), then move it to active. */
const ADD_JOB = `
local jobId = redis.call('INCR', KEYS[1] .. ':id')
local jobKey = KEYS[1] .. ':' .. jobId
redis.call('HMSET', jobKey, 'name', ARGV[1], 'data', ARGV[2], 'timestamp', ARGV[3], 'delay', ARGV[4], 'attemptsMade', 0)
local delay = tonumber(ARGV[4])
if delay > 0 then
  redis.call('ZADD', KEYS[1] .. ':delayed', tonumber(ARGV[3]) + delay, jobId)
else
  redis.call('LPUSH', KEYS[1] .. ':wait', jobId)
end
redis.call('XADD', KEYS[1] .. ':events', '*', 'event', 'added', 'jobId', jobId)
return tostring(jobId)
`;

const MOVE_TO_ACTIVE = `
local jobId = redis.call('RPOPLPUSH', KEYS[1] .. ':wait', KEYS[1] .. ':active')
if not jobId then return nil end
local jobKey = KEYS[1] .. ':' .. jobId
redis.call('HSET', jobKey, 'processedOn', ARGV[1])
redis.call('HINCRBY', jobKey, 'attemptsMade', 1)
local data = redis.call('HGETALL', jobKey)
return {jobId, data}
`;

const PROMOTE_DELAYED = `
local jobs = redis.call('ZRANGEBYSCORE', KEYS[1] .. ':delayed', 0, ARGV[1], 'LIMIT', 0, 10)
for i, jobId in ipairs(jobs) do
  redis.call('ZREM', KEYS[1] .. ':delayed', jobId)
  redis.call('LPUSH', KEYS[1] .. ':wait', jobId)
end
return #jobs
`;

const SESSION_TOUCH = `
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then return ttl end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return redis.call('GET', KEYS[1])
`;

type Batch = readonly (readonly string[])[];

const e = (script: string, keys: readonly string[] = [], args: readonly string[] = []): string[] => ['EVAL', script, String(keys.length), ...keys, ...args];

/** The library idioms, each batch run in order on a flushed server. */
export const LIBRARY_BATCHES: readonly Batch[] = [
  // The C libraries inside the engine (cjson, cmsgpack, bit, struct): values stored and read back as
  // bytes, BullMQ's msgpack'd options, errors raised by a library and caught by pcall. Tables of one
  // key or arrays only: fengari's tables iterate in insertion order, Lua 5.1's in hash order.
  [
    e("redis.call('SET', KEYS[1], cjson.encode({'job', 3, {'a','b'}, 0.5, {ratio=0.5}})) return redis.call('GET', KEYS[1])", ['json']),
    e("local v = cjson.decode(redis.call('GET', KEYS[1])) return {v[1], v[2], v[3][2], tostring(v[4]), tostring(v[5].ratio)}", ['json']),
    e("redis.call('SET', KEYS[1], cmsgpack.pack({1, 2.5, 'x', {k=true}}, 1733500000000, -1)) return redis.call('GET', KEYS[1])", ['mp']),
    e("local a, ts, n = cmsgpack.unpack(redis.call('GET', KEYS[1])) return {a[1], tostring(a[2]), a[3], tostring(a[4].k), tostring(ts), n}", ['mp']),
    e("local opts = cmsgpack.unpack(ARGV[1]) return {opts[1], opts[2]}", [], ['\x92\x01\xa3abc']),
    e("return {bit.band(0xff, 0x0f), bit.bor(1, 2), bit.bxor(5, 3), bit.lshift(1, 31), bit.tohex(255), bit.tobit(2^32 + 5)}"),
    e("redis.call('SET', KEYS[1], struct.pack('>Ihc3', 7, -2, 'abc')) local a, b, c = struct.unpack('>Ihc3', redis.call('GET', KEYS[1])) return {a, b, c}", ['st']),
    e("local ok, err = pcall(cjson.decode, '{bad') return {tostring(ok), err}"),
    e("local ok, err = pcall(cmsgpack.unpack, '\xc1') return {tostring(ok), tostring(err)}"),
    e("return cjson.encode(cjson.decode('[1,2,3,null,{\"a\":[]}]'))"),
  ],
  [
    ['SET', 'lock', 'token-1', 'PX', '30000'],
    e(REDLOCK_RELEASE, ['lock'], ['token-2']),
    e(REDLOCK_EXTEND, ['lock'], ['token-1', '60000']),
    e("return redis.call('pttl', KEYS[1]) > 55000", ['lock']),
    e(REDLOCK_RELEASE, ['lock'], ['token-1']),
    ['EXISTS', 'lock'],
    e(REDLOCK_EXTEND, ['lock'], ['token-1', '60000']),
  ],
  [
    e(TOKEN_BUCKET, ['bucket'], ['10', '2', '1000000', '3']),
    e(TOKEN_BUCKET, ['bucket'], ['10', '2', '1000500', '3']),
    e(TOKEN_BUCKET, ['bucket'], ['10', '2', '1000600', '5']),
    e(TOKEN_BUCKET, ['bucket'], ['10', '2', '1000700', '1']),
    ['HGETALL', 'bucket'],
    e(TOKEN_BUCKET, ['bucket'], ['10', '0.5', '1003333', '0.25']),
  ],
  [
    e(SLIDING_WINDOW, ['win'], ['1000', '500', '2', 'a']),
    e(SLIDING_WINDOW, ['win'], ['1100', '500', '2', 'b']),
    e(SLIDING_WINDOW, ['win'], ['1200', '500', '2', 'c']),
    e(SLIDING_WINDOW, ['win'], ['1700', '500', '2', 'd']),
    ['ZRANGE', 'win', '0', '-1', 'WITHSCORES'],
  ],
  [
    e(ADD_JOB, ['q'], ['send', '{"to":"a"}', '1700000000000', '0']),
    e(ADD_JOB, ['q'], ['send', '{"to":"b"}', '1700000000001', '5000']),
    e(ADD_JOB, ['q'], ['send', '{"to":"c"}', '1700000000002', '0']),
    e(MOVE_TO_ACTIVE, ['q'], ['1700000000100']),
    e(MOVE_TO_ACTIVE, ['q'], ['1700000000200']),
    e(MOVE_TO_ACTIVE, ['q'], ['1700000000300']),
    e(PROMOTE_DELAYED, ['q'], ['1700000009999']),
    e(MOVE_TO_ACTIVE, ['q'], ['1700000010000']),
    ['LRANGE', 'q:active', '0', '-1'],
    ['XLEN', 'q:events'],
  ],
  [
    ['SET', 'sess:1', '{"user":1}', 'EX', '100'],
    e(SESSION_TOUCH, ['sess:1'], ['200']),
    ['TTL', 'sess:1'],
    e(SESSION_TOUCH, ['sess:none'], ['200']),
    ['SET', 'sess:2', 'x'],
    e(SESSION_TOUCH, ['sess:2'], ['200']),
  ],
];

/** Lua → reply and reply → Lua conversions, RESP2 and RESP3 (setresp), and the redis API. */
export const CONVERSION_BATCHES: readonly Batch[] = [
  // Hexadecimal numerals past 2^31 (BullMQ's priority scores: priority * 0x100000000 + counter):
  // fengari's 32-bit integers wrapped them to 0 or negatives before vm-patches read them as doubles.
  [
    e("return {tostring(0x100000000), tostring(0xFFFFFFFF), tostring(0x80000000), tostring(0x7fffffff)}"),
    e("return {tostring(tonumber('0x100000000')), tostring(tonumber('  -0x10 ')), tostring(-0x10)}"),
    e("return 3 * 0x100000000 + 5 % 0x100000000"),
    e("redis.call('ZADD', KEYS[1], 2 * 0x100000000 + 7, 'job') return redis.call('ZSCORE', KEYS[1], 'job')", ['prio']),
  ],
  [
    e('return 1'), e('return -1'), e('return 3.99'), e('return -3.99'), e('return 10/2'), e('return 2^53'), e('return 1e300'),
    e('return math.huge'), e('return -math.huge'), e('return 0/0'), e("return 'x'"), e("return ''"), e('return true'), e('return false'),
    e('return nil'), e('return {}'), e('return {1, 2, 3}'), e("return {1, 'two', {3, {4, 'five'}}, 6.5}"), e('return {1, 2, nil, 4}'),
    e('return {nil, 2}'), e('return {1, false, 3}'), e('return {true, false}'), e("return {ok='fine'}"), e("return {err='bad'}"),
    e("return {err='ERR bad thing'}"), e("return {err='MYCODE custom'}"), e("return {ok='a\\r\\nb'}"), e("return {1, {ok='x'}, {err='y'}}"),
    e("return redis.error_reply('My Error')"), e("return redis.error_reply('-ERR dash')"), e("return redis.error_reply('x')"),
    e("return redis.status_reply('fine')"), e('return redis.status_reply(5)'), e('return redis.error_reply()'),
    e("return redis.sha1hex('')"), e("return redis.sha1hex('abc')"), e('return redis.sha1hex(1.5)'),
    e('return {double=3.5}'), e('return {double=2}'), e("return {map={a=1}}"),
    e("return {set={a=true}}"), e("return {verbatim_string={format='txt', string='hi'}}"), e("return {map={a={1, 2}}}"),
    e("return {tostring(1.5), tostring(10/2), tostring(1e20), tostring(-0.5), tostring(123456789012345), tostring(1/3), 7 .. ''}"),
    e("return {tonumber('10'), tonumber('0x10'), tonumber('1e2'), tonumber('z')}"),
    e('return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], #KEYS, #ARGV}', ['k1', 'k2'], ['a1', 'a2']),
    e("return _VERSION"), e("return type(unpack)"), e("return type(loadstring)"), e("return {select('#', unpack({1, 2, 3}))}"),
    e("return {string.format('%5.2f|%s|%d|%x', 3.14159, 'str', 42, 255)}"), e("return {string.rep('ab', 3), ('x'):upper(), string.byte('A')}"),
    e("return {math.floor(3.7), math.ceil(3.2), math.max(1, 5, 3), math.min(2, -1), math.abs(-4), math.fmod(7, 3), math.pow(2, 10)}"),
    e("local t = {5, 2, 8, 1, 9, 3} table.sort(t) return t"), e("local t = {5, 2, 8, 1} table.sort(t, function(a, b) return a > b end) return t"),
    e("local t = {'b', 'a', 'c'} table.sort(t) return t"),
    e("local t = {} for i = 1, 240 do t[i] = {(i * 7) % 5, i} end table.sort(t, function(a, b) return a[1] < b[1] end) " +
      "local out = {} for i, p in ipairs(t) do out[i] = p[2] end return out"),
    e("math.randomseed(7) local t = {} for i = 1, 30 do t[i] = math.random(4) * 100 + i end " +
      "table.sort(t, function(a, b) return math.floor(a / 100) > math.floor(b / 100) end) return t"),
    e("local t = {3, 1, 2} table.sort(t, function(a, b) return true end) return t"), e("local t = {} table.insert(t, 'a') table.insert(t, 1, 'b') return {table.concat(t, ','), table.getn(t)}"),
    e("math.randomseed(42) return {math.random(100), math.random(100), math.random(1, 6), tostring(math.random())}"),
    e("return {redis.REDIS_VERSION, redis.LOG_WARNING, redis.REPL_ALL}"), e("redis.log(redis.LOG_NOTICE, 'hello') return 1"),
    e("return redis.replicate_commands()"), e("return redis.set_repl(redis.REPL_ALL)"), e("return redis.setresp(2)"),
    e("return type(redis.breakpoint())"), e('return redis.setresp(4)'), e('return redis.setresp()'), e('return redis.log(1)'),
    e("return redis.set_repl(9)"), e("local ok, err = pcall(function() error('inner') end) return {tostring(ok), err}"),
    e("local ok, err = pcall(error, {err='T x'}) return err"), e("return select(2, pcall(redis.call, 'nosuchcmd'))"),
    e("return coroutine.wrap(function() coroutine.yield(7) end)()"), e("return getmetatable('').__index == string"),
    e("local t = setmetatable({}, {__index = function(t, k) return k .. '!' end}) return t.foo"),
    e("return string.format('%s %s', 1, 'a')"),
    e("return {string.format('%d|%5d|%-5d|%05d|%+d|% d|%.3d', 3.5, 42, 42, -42, 7, 7, 5), string.format('%d', 1700000000000)}"),
    e("return {string.format('%x|%X|%#x|%o|%5.1f|%-6s|%%|%c', 255, 255, 255, 8, 3.14159, 'ab', 65), string.format('%i', -2^40)}"), e("return {string.find('hello world', 'o w'), string.match('key:123', '%d+')}"),
    e("return string.gsub('hello', 'l', 'L')"), e("return {string.rep('ab', 3), string.rep('x', 3, ','), string.rep('x', 0), string.rep('', 5), #string.rep('xyz', 1000001)}"), e("return #'abc'"), e("return 7 % 3"), e("return 2^0.5 > 1.41"),
  ],
  [
    ['SET', 'str', 'hello'], ['HSET', 'h', 'f', 'v'], ['ZADD', 'z', '1.5', 'a', '2', 'b'], ['SADD', 's', '1', '2', '3'], ['RPUSH', 'l', 'x', 'y'], ['SADD', 'one', 'm'],
    e("return redis.call('get', 'str')"), e("return redis.call('get', 'nokey')"), e("return redis.call('hgetall', 'h')"),
    e("return redis.call('zrange', 'z', 0, -1, 'withscores')"), e("return redis.call('zscore', 'z', 'a')"), e("return redis.call('smembers', 's')"),
    e("return redis.call('lrange', 'l', 0, -1)"), e("return redis.call('set', 'k', 'v')"), e("return redis.call('incr', 'cnt')"),
    e("return redis.call('type', 'h')"), e("return redis.call('exists', 'str', 'h', 'nokey')"), e("return redis.call('ping')"),
    e("return redis.call('echo', 'hi')"), e("return redis.call('set', 'n', 5.0)"), e("return redis.call('get', 'n')"),
    e("redis.call('set', 'f', 0.1) return redis.call('get', 'f')"), e("redis.call('set', 'f', 1e20) return redis.call('get', 'f')"),
    e("redis.call('set', 'f', -3) return redis.call('get', 'f')"), e("return redis.call('incrbyfloat', 'fl', 1.5)"),
    e("return redis.call('get', 'nokey') == false"), e("return type(redis.call('get', 'nokey'))"), e("return redis.call('set', 'k2', 'v', 'NX', 'GET')"),
    e("return redis.call('zadd', 'z', 'INCR', 1, 'a')"), e("return redis.call('hrandfield', 'h', 1, 'withvalues')"),
    e("return redis.call('zrandmember', 'z', -1, 'withscores') ~= nil"), e("return redis.call('xadd', 'x', '1-1', 'f', 'v')"),
    e("return redis.call('xrange', 'x', '-', '+')"), e("return redis.call('object', 'encoding', 'str')"),
    e("return redis.call('select', 3)"), e("redis.call('select', 3) redis.call('set', 'in3', 'yes') return redis.call('get', 'in3')"),
    ['GET', 'in3'], e("redis.call('select', 3) return redis.call('get', 'in3')"), e("return redis.call('select', 16)"), e("return redis.call('select', 'x')"),
    e("redis.setresp(3) return redis.call('hgetall', 'h')"), e("redis.setresp(3) return redis.call('zscore', 'z', 'b')"),
    e("redis.setresp(3) local v = redis.call('zscore', 'z', 'b') return {type(v), v.double}"),
    e("redis.setresp(3) return redis.call('smembers', 'one')"), e("redis.setresp(3) return redis.call('get', 'nokey')"),
    e("redis.setresp(3) return type(redis.call('get', 'nokey'))"), e("redis.setresp(3) return redis.call('zrange', 'z', 0, -1, 'withscores')"),
    e("redis.setresp(3) return true"), e("redis.setresp(3) return false"), e("redis.setresp(3) return {1, true, false}"),
    e("redis.setresp(3) return redis.call('xrange', 'x', '-', '+')"), e("redis.setresp(3) return redis.call('hrandfield', 'h', 1, 'withvalues')"),
    e("redis.setresp(3) return redis.call('ping')"), e("redis.setresp(3) return redis.call('set', 'k', 'v')"),
    e("redis.setresp(3) local m = redis.call('hgetall', 'h') return m.map.f"), e("redis.setresp(3) redis.setresp(2) return redis.call('hgetall', 'h')"),
    e("return redis.pcall('incr', 'str')"), e("return redis.pcall('hget', 'str', 'f')"), e("local r = redis.pcall('lpush', 'str', 'x') return r.err"),
    e("local r = redis.pcall('incr', 'str') return type(r)"), e("return redis.pcall('set', 'k')"), e("return redis.pcall('nosuch')"),
    e("return redis.pcall()"), e("return redis.pcall('get', {})"), e("return redis.pcall('get', true)"), e("return redis.pcall('multi')"),
    e("return redis.pcall('blpop', 'l', 0)"), e("return redis.pcall('eval', 'return 1', 0)"), e("return redis.pcall('script', 'load', 'return 1')"),
    e("return redis.pcall('subscribe', 'c')"), e("return redis.pcall('watch', 'k')"), e("return redis.pcall('lmpop', 1, 'nol', 'LEFT')"),
  ],
];

/** Errors: compile, runtime, arguments, the cache, writes from read-only scripts, the sandbox. */
export const ERROR_BATCHES: readonly Batch[] = [
  [
    e('return 1 +'), e('return "unfinished'), e('if true then'), e('x ='), e('return )'), e('local function f( end'),
    e("error('boom')"), e('error()'), e("error({err='X custom'})"), e("error({err=5})"), e('error(42)'), e("error('msg', 0)"), e("error('lvl2', 2)"),
    e('\nlocal x = nil\nreturn x.y'), e('local t = nil return t[1]'), e('return 1 + {}'), e("return 'a' + 1"), e('return #nil'),
    e("local function f() error('deep') end\nf()"), e('local function f() return 1 + f() end return f()'), e("local t = setmetatable({}, {__index = function(t, k) return t[k] end}) return t.x"), e('local function f() return f() + 1 end return f()'.replace('f() + 1', 'nil + 1')),
    e("return redis.call('nosuch')"), e("return redis.call('get')"), e("return redis.call('incr', 'k', 'z')"), e('return redis.call()'),
    e("return redis.call('get', {})"), e("return redis.call('get', nil)"), e("return redis.call('multi')"), e("return redis.call('exec')"),
    e("return redis.call('eval', 'return 1', '0')"), e("return redis.call('evalsha', 'abc', '0')"), e("return redis.call('script', 'flush')"),
    e("return redis.call('blpop', 'nolist', '0')"), e("return redis.call('brpoplpush', 'a', 'b', '0')"), e("return redis.call('watch', 'k')"),
    e("return redis.call('auth', 'x')"), e("return redis.call('hello')"), e("return redis.call('quit')"),
    ['SET', 'str', 'hello'], e("return redis.call('lpush', 'str', 'x')"), e("return redis.call('incr', 'str')"),
    e("\n\nreturn redis.call('hget', 'str', 'f')"), e("local ok, r = pcall(redis.call, 'incr', 'str') return r"),
    e("local ok, r = pcall(redis.call, 'incr', 'str') return {tostring(ok), r.err}"),
    e('x = 1'), e('return y'), e("rawset(_G, 'x', 1)"), e('setmetatable(_G, nil)'), e('_G.x = 1'), e('string.x = 1'), e('redis.call = nil'),
    e('return getmetatable(_G)'), e('local t = {} t.x = 1 return t.x'), e('KEYS[1] = "x" return KEYS[1]', ['k']),
    e('return type(os)'), e('return type(io)'), e('return type(require)'), e('return type(loadfile)'), e('return type(dofile)'),
    e('return type(print)'), e('return type(debug)'), e('return type(getfenv)'), e('return type(module)'), e('return type(newproxy)'),
    e("return type(table.pack)"), e("return type(math.tointeger)"), e("return type(string.pack)"), e("return type(table.getn)"),
    e("return type(math.mod)"), e("return type(string.gfind)"), e('return loadstring("return 1 +")'), e('return loadstring("return 7")()'),
    ['EVAL', 'return 1', '-1'], ['EVAL', 'return 1', '2', 'a'], ['EVAL', 'return 1', 'x'], ['EVAL', 'return 1', '1.5'],
    ['EVAL', 'return 1', '9223372036854775808'], ['EVAL', 'return 1', '-9223372036854775808'], ['EVAL', 'return 1'], ['EVAL'],
    ['EVALSHA', 'abc', '0'], ['EVALSHA', '1234567890123456789012345678901234567890', '0'], ['EVALSHA', 'abc', '-1'],
    ['EVALSHA', '1234567890123456789012345678901234567890', 'x'],
    ['EVAL_RO', "return redis.call('set', 'a', 'b')", '0'], ['EVAL_RO', "return redis.call('get', 'str')", '0'],
    ['EVAL_RO', "return redis.pcall('del', 'str')", '0'], ['EVAL_RO', "return redis.call('ping')", '0'],
    ['EVAL', '#!lua flags=no-writes\nreturn redis.call("get", "str")', '0'], ['EVAL', '#!lua flags=no-writes\nreturn redis.call("set", "x", 1)', '0'],
    ['EVAL', "#!lua flags=no-writes\nerror('x')", '0'], ['EVAL', '#!lua flags=bogus\nreturn 1', '0'], ['EVAL', '#!lua\nreturn 1', '0'],
    ['EVAL', '#!luax\nreturn 1', '0'], ['EVAL', '#!lua opt\nreturn 1', '0'], ['EVAL', '#!lua flags=no-writes,allow-oom\nreturn 2', '0'],
    ['EVAL_RO', '#!lua\nreturn 1', '0'], ['EVAL_RO', '#!lua flags=no-writes\nreturn 3', '0'], ['EVAL', '#!lua', '0'],
  ],
  [
    ['SCRIPT', 'LOAD', 'return "loaded"'], ['EVALSHA', 'b1a2d5d5e3d6c9b8c8f3e56a6b5c9b8f4d1e3a2b', '0'],
    ['SCRIPT', 'EXISTS', 'c5a3a1f4c9f8e6c1f0a1b4c2e9d0f1a3b6c8d2e4'], ['SCRIPT', 'LOAD', 'return +'], ['SCRIPT', 'LOAD'],
    ['SCRIPT', 'LOAD', 'return 1', 'extra'], ['SCRIPT', 'EXISTS'], ['SCRIPT', 'KILL'], ['SCRIPT', 'KILL', 'x'], ['SCRIPT', 'FLUSH', 'bogus'],
    ['SCRIPT', 'FLUSH', 'sync', 'x'], ['SCRIPT', 'NOSUCH'], ['SCRIPT', 'HELP'], ['SCRIPT'],
    ['EVAL', 'return ARGV[1]', '0', 'cached'],
  ],
];

/** SCRIPT LOAD / EXISTS / EVALSHA / FLUSH in sequence; the shas are computed by the test. */
export const CACHE_SCRIPTS = ['return "loaded"', "return redis.call('incr', KEYS[1])", 'return {ARGV[1], ARGV[2]}'];

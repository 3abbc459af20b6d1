// The corpus of the functions differential test (function-differential.test.ts): batches of commands
// (latin1 strings) sent alike to kv/ and redis-server 7.0. Each batch starts from no libraries.
// FUNCTION LIST only ever shows one library of one function at a time: Redis lists libraries and
// functions in its hash tables' order, Cairn in name and registration order.

const lib = (name: string, body: string): string => `#!lua name=${name}\n${body}`;

const COUNTER = lib('counter', `
redis.register_function('incrby_checked', function(keys, args)
  local n = tonumber(args[1])
  if not n then return redis.error_reply('ERR not a number') end
  return redis.call('INCRBY', keys[1], n)
end)
redis.register_function{function_name='peek', callback=function(keys) return redis.call('GET', keys[1]) end, flags={'no-writes'}, description='reads a counter'}
redis.register_function('types', function(keys, args)
  return {1, 'two', 3.7, true, false, {nil, 5}, redis.status_reply('FINE')}
end)
redis.register_function('fails', function() error('bad thing') end)
redis.register_function('calls_unknown', function() return redis.call('nosuch') end)
redis.register_function('missing_global', function() return undefined_thing end)
redis.register_function{function_name='ro_writes', callback=function(keys) return redis.call('SET', keys[1], 'x') end, flags={'no-writes'}}
redis.register_function('resp3', function() redis.setresp(3); return redis.call('HGETALL', 'nohash') end)
redis.register_function('echo_all', function(keys, args) return {#keys, #args, keys[1], args[1]} end)
`);

const ONE = lib('one', "redis.register_function{function_name='only', callback=function() return 1 end, flags={'no-writes', 'allow-oom'}, description='the one'}");
const ONE_V2 = lib('one', "redis.register_function('only', function() return 2 end)");
const OTHER_TAKES_ONLY = lib('other', "redis.register_function('only', function() return 3 end)");

export const FCALL_BATCHES: readonly (readonly string[])[][] = [
  [
    ['FUNCTION', 'LOAD', COUNTER],
    ['FCALL', 'incrby_checked', '1', 'c', '5'],
    ['FCALL', 'incrby_checked', '1', 'c', 'x'],
    ['FCALL', 'peek', '1', 'c'],
    ['FCALL_RO', 'peek', '1', 'c'],
    ['FCALL_RO', 'incrby_checked', '1', 'c', '1'],
    ['FCALL', 'types', '0'],
    ['FCALL', 'fails', '0'],
    ['FCALL', 'calls_unknown', '0'],
    ['FCALL', 'missing_global', '0'],
    ['FCALL', 'ro_writes', '1', 'k'],
    ['FCALL_RO', 'ro_writes', '1', 'k'],
    ['FCALL', 'resp3', '0'],
    ['FCALL', 'echo_all', '2', 'a', 'b', 'c'],
    ['FCALL', 'echo_all', '0'],
    ['FCALL', 'nosuch', '0'],
    ['FCALL', 'nosuch', 'x'],
    ['FCALL', 'peek', 'x'],
    ['FCALL', 'peek', '3', 'a'],
    ['FCALL', 'peek', '-1'],
    ['FCALL', 'PEEK', '1', 'c'],
    ['FCALL'],
    ['FCALL', 'peek'],
    ['FUNCTION', 'STATS'],
  ],
];

export const MANAGEMENT_BATCHES: readonly (readonly string[])[][] = [
  [
    ['FUNCTION', 'LIST'],
    ['FUNCTION', 'LOAD', ONE],
    ['FUNCTION', 'LIST'],
    ['FUNCTION', 'LIST', 'WITHCODE'],
    ['FUNCTION', 'LIST', 'LIBRARYNAME', 'o*'],
    ['FUNCTION', 'LIST', 'libraryname', 'O*', 'withcode'],
    ['FUNCTION', 'LIST', 'LIBRARYNAME', 'x*'],
    ['FUNCTION', 'LIST', 'LIBRARYNAME'],
    ['FUNCTION', 'LIST', 'foo'],
    ['FUNCTION', 'LIST', 'WITHCODE', 'WITHCODE'],
    ['FUNCTION', 'LOAD', ONE],
    ['FUNCTION', 'LOAD', OTHER_TAKES_ONLY],
    ['FUNCTION', 'LOAD', 'REPLACE', ONE_V2],
    ['FCALL', 'only', '0'],
    ['FUNCTION', 'LIST'],
    ['FUNCTION', 'STATS'],
    ['FUNCTION', 'DELETE', 'nosuch'],
    ['FUNCTION', 'DELETE', 'one'],
    ['FCALL', 'only', '0'],
    ['FUNCTION', 'LOAD', OTHER_TAKES_ONLY],
    ['FCALL', 'only', '0'],
    ['FUNCTION', 'FLUSH', 'bad'],
    ['FUNCTION', 'FLUSH', 'a', 'b'],
    ['FUNCTION', 'FLUSH', 'ASYNC'],
    ['FUNCTION', 'LOAD', ONE],
    ['FUNCTION', 'FLUSH'],
    ['FUNCTION', 'LOAD', ONE],
    ['FUNCTION', 'FLUSH', 'sync'],
    ['FUNCTION', 'STATS'],
    ['FUNCTION', 'DELETE'],
    ['FUNCTION', 'KILL'],
    ['FUNCTION', 'RESTORE', 'garbage'],
    ['FUNCTION', 'RESTORE', 'garbage', 'sideways'],
    ['FUNCTION', 'NOSUCH'],
    ['FUNCTION', 'HELP'],
  ],
];

export const LOAD_ERROR_BATCHES: readonly (readonly string[])[][] = [
  [
    ['FUNCTION', 'LOAD', 'return 1'],
    ['FUNCTION', 'LOAD', '#!lua'],
    ['FUNCTION', 'LOAD', '#!lua\nreturn 1'],
    ['FUNCTION', 'LOAD', '#!lua name=x foo=bar\nreturn 1'],
    ['FUNCTION', 'LOAD', '#!luax name=x\nreturn 1'],
    ['FUNCTION', 'LOAD', '#!lua name=bad-name!\nreturn 1'],
    ['FUNCTION', 'LOAD', lib('x', 'return 1')],
    ['FUNCTION', 'LOAD', lib('x', "redis.call('set','a','b')")],
    ['FUNCTION', 'LOAD', lib('x', "local s = string.len('a')")],
    ['FUNCTION', 'LOAD', lib('x', 'x = 1')],
    ['FUNCTION', 'LOAD', lib('x', "error('at load')")],
    ['FUNCTION', 'LOAD', lib('x', "redis.register_function('bad name', function() end)")],
    ['FUNCTION', 'LOAD', lib('x', "redis.register_function('g', 3)")],
    ['FUNCTION', 'LOAD', lib('x', "redis.register_function('g')")],
    ['FUNCTION', 'LOAD', lib('x', 'redis.register_function()')],
    ['FUNCTION', 'LOAD', lib('x', "redis.register_function{function_name='g', callback=function() end, flags={'bogus'}}")],
    ['FUNCTION', 'LOAD', lib('x', "redis.register_function{function_name='g', callback=function() end, foo=1}")],
    ['FUNCTION', 'LOAD', lib('x', 'redis.register_function{callback=function() end}')],
    ['FUNCTION', 'LOAD', lib('x', "redis.register_function{function_name='g'}")],
    ['FUNCTION', 'LOAD', lib('x', "redis.register_function{function_name='g', callback=function() end, flags='no-writes'}")],
    ['FUNCTION', 'LOAD', lib('x', "redis.register_function('g', function() end)\nredis.register_function('g', function() end)")],
    ['FUNCTION', 'LOAD', lib('x', "redis.log(redis.LOG_WARNING, 'loading')\nredis.register_function('g', function() return redis.REDIS_VERSION end)")],
    ['FCALL', 'g', '0'],
    ['FUNCTION', 'LOAD', lib('y', "redis.register_function('g', function() return 1 end)")],
    ['FUNCTION', 'LOAD', lib('y', "redis.register_function(7, function() return 7 end)")],
    ['FCALL', '7', '0'],
    ['FUNCTION', 'LOAD', 'REPLACE'],
    ['FUNCTION', 'LOAD'],
  ],
];

// The hash commands as data (HASH_COMMANDS): Redis 7.0's arity, flags, key positions and COMMAND
// DOCS text for each. The value type lives in hash/hash-value.ts, the handlers in hash/.

import type { CommandSpec } from './command-types.js';
import { HASH_KEY } from './hash/access.js';
import { hrandfield } from './hash/random.js';
import { hexists, hget, hgetall, hkeysOrVals, hlen, hmget, hstrlen } from './hash/reads.js';
import { hscan } from './hash/scan.js';
import { hdel, hincrby, hincrbyfloat, hsetAs, hsetnx } from './hash/writes.js';

export const HASH_COMMANDS: readonly CommandSpec[] = [
  { name: 'hset', arity: -4, flags: ['write', 'denyoom', 'fast'], ...HASH_KEY, since: '2.0.0',
    summary: 'Set the string value of a hash field',
    complexity: 'O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.', handler: hsetAs('hset') },
  { name: 'hsetnx', arity: 4, flags: ['write', 'denyoom', 'fast'], ...HASH_KEY, since: '2.0.0',
    summary: 'Set the value of a hash field, only if the field does not exist', complexity: 'O(1)', handler: hsetnx },
  { name: 'hmset', arity: -4, flags: ['write', 'denyoom', 'fast'], ...HASH_KEY, since: '2.0.0',
    summary: 'Set multiple hash fields to multiple values', complexity: 'O(N) where N is the number of fields being set.', handler: hsetAs('hmset') },
  { name: 'hget', arity: 3, flags: ['readonly', 'fast'], ...HASH_KEY, since: '2.0.0',
    summary: 'Get the value of a hash field', complexity: 'O(1)', handler: hget },
  { name: 'hmget', arity: -3, flags: ['readonly', 'fast'], ...HASH_KEY, since: '2.0.0',
    summary: 'Get the values of all the given hash fields', complexity: 'O(N) where N is the number of fields being requested.', handler: hmget },
  { name: 'hgetall', arity: 2, flags: ['readonly'], ...HASH_KEY, since: '2.0.0',
    summary: 'Get all the fields and values in a hash', complexity: 'O(N) where N is the size of the hash.', handler: hgetall },
  { name: 'hdel', arity: -3, flags: ['write', 'fast'], ...HASH_KEY, since: '2.0.0',
    summary: 'Delete one or more hash fields', complexity: 'O(N) where N is the number of fields to be removed.', handler: hdel },
  { name: 'hlen', arity: 2, flags: ['readonly', 'fast'], ...HASH_KEY, since: '2.0.0',
    summary: 'Get the number of fields in a hash', complexity: 'O(1)', handler: hlen },
  { name: 'hexists', arity: 3, flags: ['readonly', 'fast'], ...HASH_KEY, since: '2.0.0',
    summary: 'Determine if a hash field exists', complexity: 'O(1)', handler: hexists },
  { name: 'hkeys', arity: 2, flags: ['readonly'], ...HASH_KEY, since: '2.0.0',
    summary: 'Get all the fields in a hash', complexity: 'O(N) where N is the size of the hash.', handler: hkeysOrVals(0) },
  { name: 'hvals', arity: 2, flags: ['readonly'], ...HASH_KEY, since: '2.0.0',
    summary: 'Get all the values in a hash', complexity: 'O(N) where N is the size of the hash.', handler: hkeysOrVals(1) },
  { name: 'hincrby', arity: 4, flags: ['write', 'denyoom', 'fast'], ...HASH_KEY, since: '2.0.0',
    summary: 'Increment the integer value of a hash field by the given number', complexity: 'O(1)', handler: hincrby },
  { name: 'hincrbyfloat', arity: 4, flags: ['write', 'denyoom', 'fast'], ...HASH_KEY, since: '2.6.0',
    summary: 'Increment the float value of a hash field by the given amount', complexity: 'O(1)', handler: hincrbyfloat },
  { name: 'hstrlen', arity: 3, flags: ['readonly', 'fast'], ...HASH_KEY, since: '3.2.0',
    summary: 'Get the length of the value of a hash field', complexity: 'O(1)', handler: hstrlen },
  { name: 'hrandfield', arity: -2, flags: ['readonly', 'random'], ...HASH_KEY, since: '6.2.0',
    summary: 'Get one or multiple random fields from a hash', complexity: 'O(N) where N is the number of fields returned', handler: hrandfield },
  { name: 'hscan', arity: -3, flags: ['readonly'], ...HASH_KEY, since: '2.8.0',
    summary: 'Incrementally iterate hash fields and associated values',
    complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..', handler: hscan },
];

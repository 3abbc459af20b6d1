// The list commands as data: Redis 7.0.15's arity, flags, key positions, summary and complexity
// (COMMAND INFO / COMMAND DOCS), with the handlers in src/kv/list/. The blocking ones run here as
// Redis runs them inside MULTI (never blocking); list/blocking.ts says how the server waits.

import type { CommandFlag, CommandSpec, Handler } from './command-types.js';
import { blmove, blmpop, blockingPop, brpoplpush } from './list/blocking.js';
import { linsert, lpos, lrem, lset, ltrim } from './list/edit.js';
import { lmove, lmpop, rpoplpush } from './list/move.js';
import { lindex, llen, lrange, popCommand, pushCommand } from './list/push-pop.js';

export { blockingKeys, blockingTimeoutMs } from './list/blocking.js';

const PUSH_COMPLEXITY = 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.';
const MPOP_COMPLEXITY = 'O(N+M) where N is the number of provided keys and M is the number of elements returned.';

function spec(name: string, arity: number, flags: CommandFlag[], keys: [number, number, number], since: string,
  summary: string, complexity: string, handler: Handler): CommandSpec {
  return { name, arity, flags, firstKey: keys[0], lastKey: keys[1], keyStep: keys[2], group: 'list', since, summary, complexity, handler };
}

const ONE: [number, number, number] = [1, 1, 1];
const TWO: [number, number, number] = [1, 2, 1];
const MOVABLE: [number, number, number] = [0, 0, 0];
const ALL_BUT_LAST: [number, number, number] = [1, -2, 1];

export const LIST_COMMANDS: readonly CommandSpec[] = [
  spec('lpush', -3, ['write', 'denyoom', 'fast'], ONE, '1.0.0', 'Prepend one or multiple elements to a list', PUSH_COMPLEXITY, pushCommand(true, false)),
  spec('rpush', -3, ['write', 'denyoom', 'fast'], ONE, '1.0.0', 'Append one or multiple elements to a list', PUSH_COMPLEXITY, pushCommand(false, false)),
  spec('lpushx', -3, ['write', 'denyoom', 'fast'], ONE, '2.2.0', 'Prepend an element to a list, only if the list exists', PUSH_COMPLEXITY, pushCommand(true, true)),
  spec('rpushx', -3, ['write', 'denyoom', 'fast'], ONE, '2.2.0', 'Append an element to a list, only if the list exists', PUSH_COMPLEXITY, pushCommand(false, true)),
  spec('lpop', -2, ['write', 'fast'], ONE, '1.0.0', 'Remove and get the first elements in a list', 'O(N) where N is the number of elements returned', popCommand(true, 'lpop')),
  spec('rpop', -2, ['write', 'fast'], ONE, '1.0.0', 'Remove and get the last elements in a list', 'O(N) where N is the number of elements returned', popCommand(false, 'rpop')),
  spec('llen', 2, ['readonly', 'fast'], ONE, '1.0.0', 'Get the length of a list', 'O(1)', llen),
  spec('lrange', 4, ['readonly'], ONE, '1.0.0', 'Get a range of elements from a list',
    'O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.', lrange),
  spec('lindex', 3, ['readonly'], ONE, '1.0.0', 'Get an element from a list by its index',
    'O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).', lindex),
  spec('lset', 4, ['write', 'denyoom'], ONE, '1.0.0', 'Set the value of an element in a list by its index',
    'O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).', lset),
  spec('linsert', 5, ['write', 'denyoom'], ONE, '2.2.0', 'Insert an element before or after another element in a list',
    'O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).', linsert),
  spec('lrem', 4, ['write'], ONE, '1.0.0', 'Remove elements from a list', 'O(N+M) where N is the length of the list and M is the number of elements removed.', lrem),
  spec('ltrim', 4, ['write'], ONE, '1.0.0', 'Trim a list to the specified range', 'O(N) where N is the number of elements to be removed by the operation.', ltrim),
  spec('lpos', -3, ['readonly'], ONE, '6.0.6', 'Return the index of matching elements on a list',
    'O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.', lpos),
  spec('lmove', 5, ['write', 'denyoom'], TWO, '6.2.0', 'Pop an element from a list, push it to another list and return it', 'O(1)', lmove),
  spec('rpoplpush', 3, ['write', 'denyoom'], TWO, '1.2.0', 'Remove the last element in a list, prepend it to another list and return it', 'O(1)', rpoplpush),
  spec('lmpop', -4, ['write'], MOVABLE, '7.0.0', 'Pop elements from a list', MPOP_COMPLEXITY, lmpop),
  spec('blpop', -3, ['write', 'blocking'], ALL_BUT_LAST, '2.0.0', 'Remove and get the first element in a list, or block until one is available',
    'O(N) where N is the number of provided keys.', blockingPop(true)),
  spec('brpop', -3, ['write', 'blocking'], ALL_BUT_LAST, '2.0.0', 'Remove and get the last element in a list, or block until one is available',
    'O(N) where N is the number of provided keys.', blockingPop(false)),
  spec('blmove', 6, ['write', 'denyoom', 'blocking'], TWO, '6.2.0',
    'Pop an element from a list, push it to another list and return it; or block until one is available', 'O(1)', blmove),
  spec('brpoplpush', 4, ['write', 'denyoom', 'blocking'], TWO, '2.2.0',
    'Pop an element from a list, push it to another list and return it; or block until one is available', 'O(1)', brpoplpush),
  spec('blmpop', -5, ['write', 'blocking'], MOVABLE, '7.0.0', 'Pop elements from a list, or block until one is available', MPOP_COMPLEXITY, blmpop),
];

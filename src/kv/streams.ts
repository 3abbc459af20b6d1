// The stream commands as data (Redis 7.0's arity, flags, key positions and docs): XADD XLEN XRANGE
// XREVRANGE XREAD XREADGROUP XDEL XTRIM XSETID XINFO XGROUP XACK XPENDING XCLAIM XAUTOCLAIM.
// XREAD and XREADGROUP have movable keys (COMMAND INFO reports 0 0 0, as Redis does); the server
// finds the keys a blocked one waits on with streamBlockingKeys.

import type { CommandFlag, CommandSpec, Handler } from './command-types.js';
import { ADD_HANDLERS } from './streams-add.js';
import { CLAIM_HANDLERS } from './streams-claim.js';
import { EDIT_HANDLERS } from './streams-edit.js';
import { GROUP_HANDLERS } from './streams-group.js';
import { INFO_HANDLERS } from './streams-info.js';
import { PENDING_HANDLERS } from './streams-pending.js';
import { RANGE_HANDLERS } from './streams-range.js';
import { READ_HANDLERS } from './streams-read.js';

export { streamBlockingKeys } from './streams-read.js';

const RANGE_COMPLEXITY = 'O(N) with N being the number of elements being returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).';

function spec(
  name: string, arity: number, flags: CommandFlag[], keys: 0 | 1, since: string, summary: string, complexity: string, handler: Handler,
): CommandSpec {
  return { name, arity, flags, firstKey: keys, lastKey: keys, keyStep: keys, group: 'stream', since, summary, complexity, handler };
}

export const STREAM_COMMANDS: readonly CommandSpec[] = [
  spec('xadd', -5, ['write', 'denyoom', 'fast'], 1, '5.0.0', 'Appends a new message to a stream. Creates the key if it doesn\'t exist.',
    'O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted.', ADD_HANDLERS.xadd),
  spec('xtrim', -4, ['write'], 1, '5.0.0', 'Deletes messages from the beginning of a stream.',
    'O(N), with N being the number of evicted entries. Constant times are very small however, since entries are organized in macro nodes containing multiple entries that can be released with a single deallocation.',
    ADD_HANDLERS.xtrim),
  spec('xlen', 2, ['readonly', 'fast'], 1, '5.0.0', 'Return the number of messages in a stream.', 'O(1)', EDIT_HANDLERS.xlen),
  spec('xdel', -3, ['write', 'fast'], 1, '5.0.0', 'Returns the number of messages after removing them from a stream.',
    'O(1) for each single item to delete in the stream, regardless of the stream size.', EDIT_HANDLERS.xdel),
  spec('xsetid', -3, ['write', 'denyoom', 'fast'], 1, '5.0.0', 'An internal command for replicating stream values.', 'O(1)', EDIT_HANDLERS.xsetid),
  spec('xrange', -4, ['readonly'], 1, '5.0.0', 'Returns the messages from a stream within a range of IDs.', RANGE_COMPLEXITY, RANGE_HANDLERS.xrange),
  spec('xrevrange', -4, ['readonly'], 1, '5.0.0', 'Returns the messages from a stream within a range of IDs in reverse order.',
    RANGE_COMPLEXITY, RANGE_HANDLERS.xrevrange),
  spec('xread', -4, ['readonly', 'blocking'], 0, '5.0.0',
    'Returns messages from multiple streams with IDs greater than the ones requested. Blocks until a message is available otherwise.',
    'For each stream mentioned: O(N) with N being the number of elements being returned, it means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is used, XADD will pay O(M) time in order to serve the M clients blocked on the stream getting new data.',
    READ_HANDLERS.xread),
  spec('xreadgroup', -7, ['write', 'blocking'], 0, '5.0.0',
    'Returns new or historical messages from a stream for a consumer in a group. Blocks until a message is available otherwise.',
    'For each stream mentioned: O(M) with M being the number of elements returned. If M is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N clients blocked on the stream getting new data.',
    READ_HANDLERS.xreadgroup),
  spec('xgroup', -2, ['write', 'denyoom'], 0, '5.0.0', 'A container for consumer groups commands.', 'Depends on subcommand.', GROUP_HANDLERS.xgroup),
  spec('xack', -4, ['write', 'fast'], 1, '5.0.0',
    'Returns the number of messages that were successfully acknowledged by the consumer group member of a stream.',
    'O(1) for each message ID processed.', GROUP_HANDLERS.xack),
  spec('xpending', -3, ['readonly'], 1, '5.0.0', 'Returns the information and entries from a stream consumer group\'s pending entries list.',
    'O(N) with N being the number of elements returned, so asking for a small fixed number of entries per call is O(1). O(M), where M is the total number of entries scanned when used with the IDLE filter. When the command returns just the summary and the list of consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer.',
    PENDING_HANDLERS.xpending),
  spec('xclaim', -6, ['write', 'fast'], 1, '5.0.0',
    'Changes, or acquires, ownership of a message in a consumer group, as if the message was delivered a consumer group member.',
    'O(log N) with N being the number of messages in the PEL of the consumer group.', CLAIM_HANDLERS.xclaim),
  spec('xautoclaim', -6, ['write', 'fast'], 1, '6.2.0',
    'Changes, or acquires, ownership of messages in a consumer group, as if the messages were delivered to as consumer group member.',
    'O(1) if COUNT is small.', CLAIM_HANDLERS.xautoclaim),
  spec('xinfo', -2, ['readonly'], 0, '5.0.0', 'A container for stream introspection commands.', 'Depends on subcommand.', INFO_HANDLERS.xinfo),
];

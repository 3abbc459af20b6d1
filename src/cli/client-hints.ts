// Argument hints and completion for `cairn cli`: the syntax of every Cairn command (shown after
// the cursor while typing, and by `help <command>`), and completion of command names.

/** Argument syntax per command, as redis-cli's help shows it. */
export const commandSyntax: Readonly<Record<string, string>> = {
  APPEND: 'key value',
  AUTH: '[username] password',
  CLIENT: 'ID|SETNAME name|GETNAME|SETINFO LIB-NAME|LIB-VER value|INFO|LIST [TYPE normal] [ID id ...]',
  COMMAND: '[COUNT|INFO [command ...]|DOCS [command ...]|LIST]',
  CONFIG: 'GET parameter [parameter ...]|SET parameter value [parameter value ...]',
  DBSIZE: '',
  DECR: 'key',
  DECRBY: 'key decrement',
  DEL: 'key [key ...]',
  DELEX: 'key [IFEQ value|IFNE value]',
  DISCARD: '',
  ECHO: 'message',
  EXEC: '',
  EXISTS: 'key [key ...]',
  EXPIRE: 'key seconds [NX|XX|GT|LT]',
  EXPIREAT: 'key unix-time-seconds [NX|XX|GT|LT]',
  EXPIRETIME: 'key',
  FLUSHALL: '[ASYNC|SYNC]',
  FLUSHDB: '[ASYNC|SYNC]',
  GET: 'key',
  GETDEL: 'key',
  GETEX: 'key [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|PERSIST]',
  GETRANGE: 'key start end',
  GETSET: 'key value',
  HELLO: '[protover [AUTH username password] [SETNAME clientname]]',
  INCR: 'key',
  INCRBY: 'key increment',
  INCRBYFLOAT: 'key increment',
  INFO: '[section [section ...]]',
  KEYS: 'pattern',
  MGET: 'key [key ...]',
  MSET: 'key value [key value ...]',
  MSETNX: 'key value [key value ...]',
  MULTI: '',
  PERSIST: 'key',
  PEXPIRE: 'key milliseconds [NX|XX|GT|LT]',
  PEXPIREAT: 'key unix-time-milliseconds [NX|XX|GT|LT]',
  PEXPIRETIME: 'key',
  PING: '[message]',
  PSETEX: 'key milliseconds value',
  PTTL: 'key',
  QUIT: '',
  RANDOMKEY: '',
  RENAME: 'key newkey',
  RENAMENX: 'key newkey',
  RESET: '',
  SCAN: 'cursor [MATCH pattern] [COUNT count] [TYPE type]',
  SELECT: 'index',
  SET: 'key value [NX|XX|IFEQ value|IFNE value] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]',
  SETEX: 'key seconds value',
  SETNX: 'key value',
  SETRANGE: 'key offset value',
  STRLEN: 'key',
  TIME: '',
  TTL: 'key',
  TYPE: 'key',
  UNLINK: 'key [key ...]',
  UNWATCH: '',
  WATCH: 'key [key ...]',
};

const names = Object.keys(commandSyntax);

/** The hint to show after what has been typed: the syntax minus the arguments already given. */
export function hintFor(line: string): string {
  const words = line.trimStart().split(/\s+/);
  const name = words[0]?.toUpperCase() ?? '';
  const syntax = commandSyntax[name];
  if (syntax === undefined || syntax === '' || !/\s/.test(line)) return '';
  const typed = words.length - 1 - (line.endsWith(' ') ? 1 : 0);
  const parts = syntax.split(' ');
  // Only fixed leading arguments are consumed; optional groups stay visible.
  let skip = 0;
  while (skip < typed && skip < parts.length && !parts[skip]!.startsWith('[')) skip++;
  const rest = parts.slice(skip).join(' ');
  return rest === '' ? '' : `${line.endsWith(' ') ? '' : ' '}${rest}`;
}

/** Subcommands of the container commands, for completing their second word. */
const subcommands: Readonly<Record<string, readonly string[]>> = {
  CLIENT: ['GETNAME', 'HELP', 'ID', 'INFO', 'LIST', 'SETINFO', 'SETNAME'],
  COMMAND: ['COUNT', 'DOCS', 'HELP', 'INFO', 'LIST'],
  CONFIG: ['GET', 'HELP', 'SET'],
};

/** readline completer: command names for the first word, subcommands for the second. */
export function complete(line: string): [string[], string] {
  const words = line.trimStart().split(/\s+/);
  if (words.length === 1) return [matching(names, words[0]!), words[0]!];
  const subs = subcommands[words[0]!.toUpperCase()];
  if (words.length !== 2 || subs === undefined) return [[], line];
  return [matching(subs, words[1]!), words[1]!];
}

/** Candidates starting with what was typed, in the case the user typed. */
function matching(candidates: readonly string[], typed: string): string[] {
  const lower = typed === typed.toLowerCase();
  return candidates.filter((c) => c.startsWith(typed.toUpperCase())).map((c) => (lower ? c.toLowerCase() : c));
}

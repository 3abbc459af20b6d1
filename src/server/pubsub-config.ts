// The two settings pub/sub adds, parsed and printed as Redis 7.0 does: `notify-keyspace-events`
// (notify.c's class letters to flags and back, normalised: "AKE", "g$shzn") and
// `client-output-buffer-limit` (config.c: "<class> <hard> <soft> <soft-seconds>" groups, printed
// for every class in Redis's order with byte counts).

/** notify.c's flags. */
export const NOTIFY = {
  keyspace: 1 << 0, keyevent: 1 << 1, generic: 1 << 2, string: 1 << 3, list: 1 << 4, set: 1 << 5, hash: 1 << 6,
  zset: 1 << 7, expired: 1 << 8, evicted: 1 << 9, stream: 1 << 10, keyMiss: 1 << 11, module: 1 << 13, newKey: 1 << 14,
} as const;

/** A class letter's flag (the letters of KeyEventClass and K, E). */
const LETTERS: ReadonlyMap<string, number> = new Map([
  ['g', NOTIFY.generic], ['$', NOTIFY.string], ['l', NOTIFY.list], ['s', NOTIFY.set], ['h', NOTIFY.hash], ['z', NOTIFY.zset],
  ['x', NOTIFY.expired], ['e', NOTIFY.evicted], ['K', NOTIFY.keyspace], ['E', NOTIFY.keyevent], ['t', NOTIFY.stream],
  ['m', NOTIFY.keyMiss], ['d', NOTIFY.module], ['n', NOTIFY.newKey],
]);
/** 'A': every class but key miss and new key (Redis's NOTIFY_ALL). */
const NOTIFY_ALL = NOTIFY.generic | NOTIFY.string | NOTIFY.list | NOTIFY.set | NOTIFY.hash | NOTIFY.zset | NOTIFY.expired |
  NOTIFY.evicted | NOTIFY.stream | NOTIFY.module;
/** keyspaceEventsFlagsToString's order for the class letters when not all of A's are set. */
const PRINT_ORDER = 'g$lshzxetdn';

/** The flag of a class letter as commands raise it (KeyEvent.cls); 0 for one no subscriber hears (Cairn's '*'). */
export function classFlag(letter: string): number {
  return letter === '*' ? 0 : (LETTERS.get(letter) ?? 0);
}

/** keyspaceEventsStringToFlags: the flags, or undefined for a letter Redis does not know. */
export function parseNotifyFlags(text: string): number | undefined {
  let flags = 0;
  for (const letter of text) {
    if (letter === 'A') flags |= NOTIFY_ALL;
    else {
      const flag = LETTERS.get(letter);
      if (flag === undefined) return undefined;
      flags |= flag;
    }
  }
  return flags;
}

/** keyspaceEventsFlagsToString: CONFIG GET's normalised form ("A" hides n, as Redis 7.0 does). */
export function formatNotifyFlags(flags: number): string {
  let text = '';
  if ((flags & NOTIFY_ALL) === NOTIFY_ALL) text += 'A';
  else for (const letter of PRINT_ORDER) if (flags & LETTERS.get(letter)!) text += letter;
  if (flags & NOTIFY.keyspace) text += 'K';
  if (flags & NOTIFY.keyevent) text += 'E';
  if (flags & NOTIFY.keyMiss) text += 'm';
  return text;
}

export const notifyClassError = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";

/** One class's output buffer limit: closed at `hardBytes`, or after `softSeconds` at `softBytes` or more; 0 = none. */
export interface OutputBufferLimit {
  readonly hardBytes: number;
  readonly softBytes: number;
  readonly softSeconds: number;
}

export interface OutputBufferLimits {
  readonly normal: OutputBufferLimit;
  readonly replica: OutputBufferLimit;
  readonly pubsub: OutputBufferLimit;
}

export function defaultOutputBufferLimits(): OutputBufferLimits {
  return {
    normal: { hardBytes: 0, softBytes: 0, softSeconds: 0 },
    replica: { hardBytes: 256 * 1024 * 1024, softBytes: 64 * 1024 * 1024, softSeconds: 60 },
    pubsub: { hardBytes: 32 * 1024 * 1024, softBytes: 8 * 1024 * 1024, softSeconds: 60 },
  };
}

const CLASSES: ReadonlyMap<string, keyof OutputBufferLimits> = new Map([['normal', 'normal'], ['slave', 'replica'], ['replica', 'replica'], ['pubsub', 'pubsub']]);

/** CONFIG SET client-output-buffer-limit: the limits with the given groups changed, or Redis's error text (memory values as config.ts's parseMemory). */
export function parseOutputBufferLimits(current: OutputBufferLimits, text: string, parseMemory: (text: string) => number | undefined): OutputBufferLimits | string {
  const words = text.split(' ').filter((word) => word !== '');
  if (words.length % 4 !== 0) return 'Wrong number of arguments in buffer limit configuration.';
  const next = { ...current };
  for (let i = 0; i < words.length; i += 4) {
    const cls = CLASSES.get(words[i]!.toLowerCase());
    if (cls === undefined) return 'Invalid client class specified in buffer limit configuration.';
    const hardBytes = parseMemory(words[i + 1]!);
    const softBytes = parseMemory(words[i + 2]!);
    const softSeconds = /^\d{1,15}$/.test(words[i + 3]!) ? Number(words[i + 3]) : undefined;
    if (hardBytes === undefined || softBytes === undefined || softSeconds === undefined) {
      return 'Error in hard, soft or soft_seconds setting in buffer limit configuration.';
    }
    next[cls] = { hardBytes, softBytes, softSeconds };
  }
  return next;
}

export function formatOutputBufferLimits(limits: OutputBufferLimits): string {
  const group = (name: string, l: OutputBufferLimit): string => `${name} ${l.hardBytes} ${l.softBytes} ${l.softSeconds}`;
  return [group('normal', limits.normal), group('slave', limits.replica), group('pubsub', limits.pubsub)].join(' ');
}

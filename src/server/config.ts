// Server settings: their defaults, CONFIG GET / CONFIG SET (which ones may change live, with
// Redis's error texts) and the Redis-style config file (`port 7001`, `requirepass secret`).

import { readFile } from 'node:fs/promises';
import { CairnError } from '../lib/errors.js';
import { defaultParserLimits } from '../resp/parser.js';
import { DATABASES } from '../kv/databases.js';
import { globMatchNoCase } from '../kv/glob.js';
import { defaultClientTls, TLS_PARAMETERS, type ClientTlsSettings } from './tls-settings.js';
import { defaultOutputBufferLimits, formatNotifyFlags, formatOutputBufferLimits, notifyClassError, parseNotifyFlags, parseOutputBufferLimits, type OutputBufferLimits } from './pubsub-config.js';

export type FsyncPolicy = 'always' | 'everysec' | 'no';

export interface ServerSettings {
  host: string;
  port: number;
  dir: string;
  fsync: FsyncPolicy;
  requirepass: string | undefined;
  /** ACL users' file (ACL LOAD / SAVE, and the seed of a new cluster's users); fixed once running. */
  aclfile: string | undefined;
  /** Entries ACL LOG keeps on this node (acllog-max-len). */
  acllogMaxLen: number;
  maxClients: number;
  /** Longest inline request or count line without a newline. */
  inlineMaxBytes: number;
  /** Largest bulk string a client may send (proto-max-bulk-len). */
  bulkMaxBytes: number;
  /** Bytes a connection may have buffered unparsed before it is closed. */
  queryBufferMaxBytes: number;
  /** Most commands one MULTI may queue. */
  multiMaxCommands: number;
  /** Close connections idle this long; 0 = never (Redis `timeout`). */
  idleTimeoutSeconds: number;
  /** Past this long in one script (an entry applying in steps), other commands get -BUSY (Redis `busy-reply-threshold`). */
  busyReplyThresholdMs: number;
  /** Used memory is kept under this by the policy (evicting keys, or refusing denyoom writes); 0 = no limit (Redis `maxmemory`). */
  maxMemoryBytes: number;
  /** What happens at maxmemory: refuse writes (noeviction, the default) or evict keys (server/evictor.ts). */
  maxMemoryPolicy: MaxMemoryPolicy;
  /** Keys the client-side caching table remembers before forgetting (and invalidating) the oldest; 0 = no bound. */
  trackingTableMaxKeys: number;
  /** notify-keyspace-events as flags (pubsub-config.ts's NOTIFY); 0 = no keyspace notifications. */
  notifyKeyspaceEvents: number;
  /** client-output-buffer-limit: where a client whose replies and pushes back up is closed. */
  outputBufferLimits: OutputBufferLimits;
  /** The TLS listener's settings (tls-*, server/tls-settings.ts); replaced whole when one changes. */
  tls: ClientTlsSettings;
}

/** Redis's policies but the LFU ones (no access frequency is tracked: refused, see setMaxMemoryPolicy). */
const MAX_MEMORY_POLICIES = ['volatile-lru', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-random', 'noeviction'] as const;
export type MaxMemoryPolicy = (typeof MAX_MEMORY_POLICIES)[number];
/** Every policy Redis 7.0 knows, in its order: its error for an unknown one lists them all. */
const REDIS_POLICIES = ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'];

export function defaultSettings(): ServerSettings {
  return {
    host: '127.0.0.1',
    port: 7001,
    dir: './data',
    fsync: 'always',
    requirepass: undefined,
    aclfile: undefined,
    acllogMaxLen: 128,
    maxClients: 10_000,
    inlineMaxBytes: defaultParserLimits.inlineMaxBytes,
    bulkMaxBytes: defaultParserLimits.bulkMaxBytes,
    queryBufferMaxBytes: defaultParserLimits.queryBufferMaxBytes,
    multiMaxCommands: 100_000,
    idleTimeoutSeconds: 0,
    busyReplyThresholdMs: 5000,
    maxMemoryBytes: 0,
    maxMemoryPolicy: 'noeviction',
    trackingTableMaxKeys: 1_000_000,
    notifyKeyspaceEvents: 0,
    outputBufferLimits: defaultOutputBufferLimits(),
    tls: defaultClientTls(),
  };
}

interface Parameter {
  readonly name: string;
  get(settings: ServerSettings): string;
  /** Undefined when the setting is fixed once the server runs. Returns an error text or undefined. */
  readonly set?: (settings: ServerSettings, value: string) => string | undefined;
  /** How the config file sets it (fixed ones included). */
  readonly load: (settings: ServerSettings, value: string) => string | undefined;
}

function integerParameter(name: string, key: NumericKey, min: number, max: number, live: boolean, memory = false): Parameter {
  const apply = (settings: ServerSettings, value: string): string | undefined => {
    const parsed = memory ? parseMemory(value) : parseInteger(value);
    if (parsed === undefined) return memory ? 'argument must be a memory value' : "argument couldn't be parsed into an integer";
    if (parsed < min || parsed > max) return `argument must be between ${min} and ${max} inclusive`;
    settings[key] = parsed;
    return undefined;
  };
  return { name, get: (s) => String(s[key]), load: apply, ...(live ? { set: apply } : {}) };
}

type NumericKey = 'port' | 'maxClients' | 'inlineMaxBytes' | 'bulkMaxBytes' | 'queryBufferMaxBytes' | 'multiMaxCommands' | 'idleTimeoutSeconds' | 'maxMemoryBytes' | 'busyReplyThresholdMs' | 'trackingTableMaxKeys' | 'acllogMaxLen';

const parameters: readonly Parameter[] = [
  { name: 'bind', get: (s) => s.host, load: (s, v) => { s.host = v; return undefined; } },
  integerParameter('port', 'port', 0, 65_535, false),
  { name: 'dir', get: (s) => s.dir, load: (s, v) => { s.dir = v; return undefined; } },
  {
    name: 'requirepass',
    // Never the password itself (issue #15: no secret in CONFIG GET); Redis would print it.
    get: (s) => (s.requirepass === undefined ? '' : '(redacted)'),
    set: (s, v) => { s.requirepass = v === '' ? undefined : v; return undefined; },
    load: (s, v) => { s.requirepass = v === '' ? undefined : v; return undefined; },
  },
  {
    name: 'appendfsync',
    get: (s) => s.fsync,
    load: (s, v) => {
      if (v !== 'always' && v !== 'everysec' && v !== 'no') return 'argument(s) must be one of the following: always, everysec, no';
      s.fsync = v;
      return undefined;
    },
  },
  { name: 'appendonly', get: () => 'yes', load: (_s, v) => (v === 'yes' ? undefined : 'Cairn always keeps its log') },
  { name: 'save', get: () => '', load: () => undefined },
  { name: 'databases', get: () => String(DATABASES), load: (_s, v) => (v === String(DATABASES) ? undefined : `Cairn has ${DATABASES} databases`) },
  { name: 'aclfile', get: (s) => s.aclfile ?? '', load: (s, v) => { s.aclfile = v === '' ? undefined : v; return undefined; } },
  integerParameter('acllog-max-len', 'acllogMaxLen', 0, Number.MAX_SAFE_INTEGER, true),
  integerParameter('maxclients', 'maxClients', 1, 1_000_000, true),
  integerParameter('timeout', 'idleTimeoutSeconds', 0, 2_147_483_647, true),
  integerParameter('busy-reply-threshold', 'busyReplyThresholdMs', 0, Number.MAX_SAFE_INTEGER, true),
  integerParameter('lua-time-limit', 'busyReplyThresholdMs', 0, Number.MAX_SAFE_INTEGER, true),
  integerParameter('proto-max-bulk-len', 'bulkMaxBytes', 1024 * 1024, 512 * 1024 * 1024, true, true),
  integerParameter('client-query-buffer-limit', 'queryBufferMaxBytes', 1024 * 1024, 1024 * 1024 * 1024, true, true),
  integerParameter('proto-inline-max-size', 'inlineMaxBytes', 1024, 64 * 1024 * 1024, true, true),
  integerParameter('cairn-multi-max-commands', 'multiMaxCommands', 1, 10_000_000, true),
  integerParameter('maxmemory', 'maxMemoryBytes', 0, Number.MAX_SAFE_INTEGER, true, true),
  integerParameter('tracking-table-max-keys', 'trackingTableMaxKeys', 0, Number.MAX_SAFE_INTEGER, true),
  { name: 'maxmemory-policy', get: (s) => s.maxMemoryPolicy, set: setMaxMemoryPolicy, load: setMaxMemoryPolicy },
  { name: 'notify-keyspace-events', get: (s) => formatNotifyFlags(s.notifyKeyspaceEvents), set: setNotify, load: setNotify },
  { name: 'client-output-buffer-limit', get: (s) => formatOutputBufferLimits(s.outputBufferLimits), set: setOutputLimits, load: setOutputLimits },
  ...TLS_PARAMETERS.map((tls): Parameter => {
    const apply = (settings: ServerSettings, value: string): string | undefined => {
      const changed = tls.change(settings.tls, value);
      if (typeof changed === 'string') return changed;
      settings.tls = changed;
      return undefined;
    };
    return { name: tls.name, get: (s) => tls.get(s.tls), load: apply, ...(tls.live ? { set: apply } : {}) };
  }),
];

function setNotify(settings: ServerSettings, value: string): string | undefined {
  const flags = parseNotifyFlags(value);
  if (flags === undefined) return notifyClassError;
  settings.notifyKeyspaceEvents = flags;
  return undefined;
}

function setOutputLimits(settings: ServerSettings, value: string): string | undefined {
  const limits = parseOutputBufferLimits(settings.outputBufferLimits, value, parseMemory);
  if (typeof limits === 'string') return limits;
  settings.outputBufferLimits = limits;
  return undefined;
}

/** An unknown policy gets Redis's error; the LFU ones, which Redis accepts, a refusal of Cairn's own. */
function setMaxMemoryPolicy(settings: ServerSettings, value: string): string | undefined {
  const name = value.toLowerCase();
  const policy = MAX_MEMORY_POLICIES.find((p) => p === name);
  if (name === 'allkeys-lfu' || name === 'volatile-lfu') return `${name} is not supported by Cairn (no access frequency is tracked); use allkeys-lru or volatile-lru`;
  if (policy === undefined) return `argument(s) must be one of the following: ${REDIS_POLICIES.join(', ')}`;
  settings.maxMemoryPolicy = policy;
  return undefined;
}

/** CONFIG GET: name/value pairs of every parameter matching any pattern, each once. */
export function configGet(settings: ServerSettings, patterns: readonly Uint8Array[]): [string, string][] {
  const out: [string, string][] = [];
  for (const parameter of parameters) {
    const name = Buffer.from(parameter.name, 'latin1');
    if (patterns.some((pattern) => globMatchNoCase(pattern, name))) out.push([parameter.name, parameter.get(settings)]);
  }
  return out;
}

/**
 * CONFIG SET name value [name value ...]: all or nothing. Returns Redis's error text or undefined.
 * `apply`, when given, is the last check before the change is kept: it acts on the new settings
 * (the server reloads its TLS files) and says which of the names it could not act on, and why.
 */
export function configSet(
  settings: ServerSettings,
  pairs: readonly [string, string][],
  apply?: (draft: ServerSettings, names: readonly string[]) => { name: string; problem: string } | undefined,
): string | undefined {
  const draft = { ...settings };
  for (const [rawName, value] of pairs) {
    const name = rawName.toLowerCase();
    const parameter = parameters.find((p) => p.name === name);
    if (parameter === undefined) return `ERR Unknown option or number of arguments for CONFIG SET - '${rawName}'`;
    if (parameter.set === undefined) return `ERR CONFIG SET failed (possibly related to argument '${rawName}') - can't set immutable config`;
    const problem = parameter.set(draft, value);
    if (problem !== undefined) return `ERR CONFIG SET failed (possibly related to argument '${rawName}') - ${problem}`;
  }
  const refused = apply?.(draft, pairs.map(([name]) => name.toLowerCase()));
  if (refused !== undefined) return `ERR CONFIG SET failed (possibly related to argument '${refused.name}') - ${refused.problem}`;
  Object.assign(settings, draft);
  return undefined;
}

/**
 * Config-file keys the cluster process reads itself (runtime/cluster/peer-auth.ts: peer TLS and the
 * cluster secret): skipped here, and never parameters, so CONFIG GET cannot show them.
 */
const PROCESS_KEYS: ReadonlySet<string> = new Set(['peer-cert-file', 'peer-key-file', 'peer-trusted-ca-file', 'cluster-secret', 'cluster-secret-file']);

/** The `name value` lines of a Redis-style config file (comments and blank lines skipped), with their line numbers. */
export function configEntries(text: string): { name: string; value: string; lineNumber: number }[] {
  const entries: { name: string; value: string; lineNumber: number }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const space = line.search(/\s/);
    entries.push({ name: space < 0 ? line : line.slice(0, space), value: unquote(space < 0 ? '' : line.slice(space).trim()), lineNumber: i + 1 });
  }
  return entries;
}

/** Applies a Redis-style config file's text; throws CAIRN_INVALID_ARGUMENT naming the line. */
export function loadConfigText(settings: ServerSettings, text: string, fileName: string): void {
  for (const { name, value, lineNumber } of configEntries(text)) {
    if (PROCESS_KEYS.has(name.toLowerCase())) continue;
    applySetting(settings, name, value, `${fileName}:${lineNumber}`);
  }
}

/** Applies one setting by its config name; throws CAIRN_INVALID_ARGUMENT prefixed with `where`. */
export function applySetting(settings: ServerSettings, name: string, value: string, where: string): void {
  const parameter = parameters.find((p) => p.name === name.toLowerCase());
  const problem = parameter === undefined ? `unknown setting '${name}'` : parameter.load(settings, value);
  if (problem !== undefined) throw new CairnError('CAIRN_INVALID_ARGUMENT', `${where}: ${problem}`);
}

function unquote(value: string): string {
  const quoted = value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0]);
  return quoted ? value.slice(1, -1) : value;
}

function parseInteger(text: string): number | undefined {
  if (!/^-?\d{1,15}$/.test(text)) return undefined;
  return Number(text);
}

/** Redis memtoull: 1k = 1000, 1kb = 1024, and m/mb, g/gb likewise. */
export function parseMemory(text: string): number | undefined {
  const match = /^(\d{1,15})(k|kb|m|mb|g|gb)?$/i.exec(text);
  if (match === null) return undefined;
  const units: Record<string, number> = { k: 1e3, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 };
  const unit = match[2] === undefined ? 1 : units[match[2].toLowerCase()]!;
  return Number(match[1]) * unit;
}

/** The command-line flags `cairn server` shares between a single node and a replicated one. */
export interface ServerFlags {
  readonly config?: string | undefined;
  readonly port?: string | undefined;
  readonly dir?: string | undefined;
  readonly host?: string | undefined;
  readonly fsync?: string | undefined;
  readonly requirepass?: string | undefined;
  readonly maxmemory?: string | undefined;
  /** The tls-* flags by their setting's name (server/tls-settings.ts's TLS_FLAGS). */
  readonly tls?: Readonly<Record<string, string | undefined>> | undefined;
}

/** Settings from the defaults, then the config file, then the flags (as redis-server's command line). */
export async function settingsFromFlags(flags: ServerFlags): Promise<ServerSettings> {
  const settings = defaultSettings();
  if (flags.config !== undefined) loadConfigText(settings, await readFile(flags.config, 'utf8'), flags.config);
  const overrides: [string, string | undefined, string][] = [
    ['port', flags.port, '--port'],
    ['dir', flags.dir, '--dir'],
    ['bind', flags.host, '--host'],
    ['appendfsync', flags.fsync, '--fsync'],
    ['requirepass', flags.requirepass, '--requirepass'],
    ['maxmemory', flags.maxmemory, '--maxmemory'],
  ];
  for (const [name, value] of Object.entries(flags.tls ?? {})) overrides.push([name, value, `--${name}`]);
  for (const [name, value, flag] of overrides) if (value !== undefined) applySetting(settings, name, value, flag);
  return settings;
}

// The client server: accepts clients (up to maxclients) on the plain port, the TLS port
// (tls-listener.ts) or both — `port 0` with a tls-port turns the plain one off, as Redis — gives
// each a Session and a Connection, keeps the server-wide counters INFO reports, reloads the TLS
// certificate on request (SIGHUP, CONFIG SET tls-*) without touching established connections, and
// shuts down gracefully: stop accepting, let every batch in flight finish and flush, then close
// the backend (which syncs).

import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { assert } from '../lib/assert.js';
import { CairnError, errorStack } from '../lib/errors.js';
import type { Clock } from '../io/clock.js';
import type { Backend, InfoFields } from './backend.js';
import type { Reply } from '../lib/reply.js';
import { BlockedClients } from './blocked-clients.js';
import { CommandTable, type CommandMeta } from './command-table.js';
import type { ServerSettings } from './config.js';
import { Connection } from './connection.js';
import { countError, renderInfo, type ServerStats } from './info.js';
import { serverCommands } from './server-commands.js';
import { Session, type ServerContext } from './session.js';
import { MemoryGuard, STARTUP_BYTES } from './memory-guard.js';
import { TrackingHub } from './tracking-hub.js';
import { PubsubRegistry } from './pubsub-registry.js';
import { pubsubCommands } from './pubsub-commands.js';
import { changeDelivery } from './pubsub-notify.js';
import { WatchHub } from './watch-hub.js';
import { watchCommands } from './watch-commands.js';
import { AclGuard, keepsSubscriptions } from './acl-guard.js';
import { aclContainer } from './acl-commands.js';
import { seedAclFile } from './acl-file.js';
import { clientLine } from './server-commands.js';
import { TlsListener, type ClientTlsIdentity, type TlsRefusal } from './tls-listener.js';
import { TLS_RELOADED_BY, tlsFileNames, type TlsFileNames } from './tls-settings.js';

export interface ServerOptions {
  readonly backend: Backend;
  /** The data commands (kv's table); merged with the server's own. */
  readonly dataCommands: readonly CommandMeta[];
  /** Mutable: CONFIG SET changes it live. */
  readonly settings: ServerSettings;
  readonly clock: Clock;
  readonly version: string;
  readonly configFile?: string;
  /** INFO replication fields; a single node reports itself as a master without replicas. */
  readonly replicationInfo?: () => InfoFields;
  /** Where a command's internal error (a bug) is reported; stderr unless given. */
  readonly reportInternalError?: (report: string) => void;
  /** maxmemory's guard when the backend shares it (its evictor); one of the server's own otherwise. */
  readonly memory?: MemoryGuard;
  /** The certificate the TLS port serves (required when settings.tls.port is set). */
  readonly tls?: ClientTlsIdentity;
  /** Told of every TLS reload: the reason when the new files were refused (the old ones still in use). */
  readonly tlsReloaded?: (problem: string | undefined) => void;
  /** Told of a TLS connection refused before it became a client, unless too many were lately (each is counted in INFO all the same). */
  readonly tlsRefused?: (refusal: TlsRefusal & { readonly suppressed: number }) => void;
}

const maxClientsReached = Buffer.from('-ERR max number of clients reached\r\n');
/** How long shutdown waits for batches in flight before cutting connections. */
const shutdownGraceMs = 10_000;

export class CairnServer implements ServerContext {
  readonly table: CommandTable;
  readonly backend: Backend;
  readonly settings: ServerSettings;
  readonly clock: Clock;
  readonly blocked: BlockedClients;
  readonly memory: MemoryGuard;
  readonly pubsub = new PubsubRegistry();
  readonly tracking: TrackingHub<Session>;
  readonly watches: WatchHub | undefined;
  readonly acl: AclGuard;
  private aclGeneration = 0;
  readonly stats: ServerStats = {
    connectionsReceived: 0, connectionsRejected: 0, commandsProcessed: 0, netInputBytes: 0, netOutputBytes: 0, internalErrors: 0,
    tlsHandshakeFailures: 0, errorReplies: new Map(),
  };
  private readonly sessions = new Map<Connection, Session>();
  /** The same clients by id (CLIENT TRACKING's REDIRECT, invalidations). */
  private readonly byId = new Map<number, Session>();
  private readonly runId = randomBytes(20).toString('hex');
  private readonly startedAtMs: number;
  private nextClientId = 1;
  private closed: Promise<void> | undefined;
  /** The plain listener, unless `port 0` with a tls-port turned it off; the TLS one when tls-port is set. */
  private plain: Server | undefined;
  private secure: TlsListener | undefined;

  private constructor(private readonly options: ServerOptions) {
    this.backend = options.backend;
    this.settings = options.settings;
    this.clock = options.clock;
    this.blocked = new BlockedClients(options.backend, options.clock);
    this.memory = options.memory ?? new MemoryGuard(options.settings);
    this.table = new CommandTable(options.dataCommands, [...serverCommands, ...pubsubCommands, ...watchCommands, aclContainer]);
    const registry = options.backend.acl?.bind(options.backend);
    this.acl = new AclGuard(registry, () => this.settings.requirepass, (c) => clientLine(c as Session, this.clock.nowMs()).trimEnd(), () => this.clock.nowMs(), () => this.settings.acllogMaxLen);
    options.backend.onApplied?.(() => this.dropRemovedUsers());
    options.backend.onChanges?.(changeDelivery(this.pubsub, options.settings));
    this.tracking = new TrackingHub<Session>({
      client: (id) => this.byId.get(id),
      push: (session, items) => session.push({ type: 'push', items }, true),
      subscribed: (session) => session.pubsub.subscribed,
      maxKeys: () => this.settings.trackingTableMaxKeys,
    });
    options.backend.onChanges?.({ keyEvents: (events, _index, writer) => this.tracking.changed(events, writer) });
    const changes = options.backend.changes?.bind(options.backend);
    this.watches = changes === undefined ? undefined : new WatchHub(changes, options.clock);
    options.backend.onApplied?.(() => this.watches?.deliver());
    this.startedAtMs = options.clock.nowMs();
  }

  /** Binds the plain port, the TLS port or both, and starts accepting; rejects with a clear error if a port is taken. */
  static async listen(options: ServerOptions): Promise<CairnServer> {
    const { settings } = options;
    const server = new CairnServer(options);
    try {
      if (settings.port !== 0 || settings.tls.port === 0) server.plain = await listenPlain(settings.host, settings.port, (socket) => server.accept(socket));
      if (settings.tls.port !== 0) {
        if (options.tls === undefined) throw new CairnError('CAIRN_TLS', 'tls-port is set but no certificate was loaded (tls-cert-file, tls-key-file)');
        server.secure = await TlsListener.listen(settings.host, options.tls, {
          settings: () => server.settings.tls,
          secured: (socket) => server.accept(socket),
          refused: (refusal) => server.tlsRefused(refusal),
          nowMs: () => server.clock.nowMs(),
        });
      }
    } catch (error) {
      await server.stopListening();
      throw error;
    }
    if (options.settings.aclfile !== undefined) server.seedUsers(options.settings.aclfile);
    return server;
  }

  /** The port clients are told about: the plain one, or the TLS one when the plain port is off. */
  get port(): number {
    const port = this.plainPort ?? this.tlsPort;
    assert(port !== null, 'the server listens on a port');
    return port;
  }

  /** The bound plain port (useful when listening on port 0), or null when it is off. */
  get plainPort(): number | null {
    const address = this.plain?.address();
    if (address === undefined) return null;
    assert(address !== null && typeof address === 'object', 'the server is listening');
    return address.port;
  }

  /** The bound TLS port, or null without one. */
  get tlsPort(): number | null {
    return this.secure?.port ?? null;
  }

  /**
   * Reads the TLS files again — the current settings' or `files` — for every handshake from now
   * on; established connections keep theirs. Returns the reason when the files are unusable (the
   * old certificate then still serves); undefined also when there is no TLS port.
   */
  reloadTls(files: TlsFileNames | string = tlsFileNames(this.settings.tls)): string | undefined {
    if (this.secure === undefined) return undefined;
    const problem = typeof files === 'string' ? files : this.secure.reload(files);
    this.options.tlsReloaded?.(problem);
    return problem;
  }

  /** CONFIG SET's last check: setting a tls-* file or knob reloads the identity, which must succeed for the change to be kept. */
  settingsChanging(draft: ServerSettings, names: readonly string[]): { name: string; problem: string } | undefined {
    const name = names.find((n) => (TLS_RELOADED_BY as readonly string[]).includes(n));
    if (name === undefined) return undefined;
    const problem = this.reloadTls(tlsFileNames(draft.tls));
    return problem === undefined ? undefined : { name, problem: `Unable to update TLS configuration: ${problem}` };
  }

  clients(): Iterable<Session> {
    return this.sessions.values();
  }

  countCommand(): void {
    this.stats.commandsProcessed++;
  }

  info(sections: readonly string[]): string {
    return renderInfo(
      {
        version: this.options.version,
        runId: this.runId,
        port: this.plainPort ?? 0,
        configFile: this.options.configFile ?? '',
        startedAtMs: this.startedAtMs,
        nowMs: () => this.clock.nowMs(),
        connectedClients: () => this.sessions.size,
        blockedClients: () => this.blocked.count,
        maxClients: this.settings.maxClients,
        tracking: () => this.tracking.table.figures(),
        stats: this.stats,
        keyspace: () => this.backend.keyspace(),
        persistence: () => this.backend.persistenceInfo(),
        memory: () => this.backend.memoryInfo?.() ?? [],
        maxMemory: () => ({ limitBytes: this.settings.maxMemoryBytes, policy: this.settings.maxMemoryPolicy, evictedKeys: this.memory.evictedKeys,
          startupBytes: STARTUP_BYTES, datasetBytes: this.memory.datasetBytes() }),
        pubsub: () => ({ channels: this.pubsub.channelCount('channel'), patterns: this.pubsub.patternCount, shardChannels: this.pubsub.channelCount('shard') }),
        ...(this.options.replicationInfo === undefined ? {} : { replication: this.options.replicationInfo }),
      },
      sections,
    );
  }

  /** Seeds a new cluster's users from the aclfile in the background (acl-file.ts). */
  private seedUsers(fileName: string): void {
    const write = async (args: readonly string[]): Promise<Reply> => (await this.backend.write({ commands: [['acl', ...args].map((a) => Buffer.from(a, 'latin1'))], watches: [] }))[0]!;
    const report = this.options.reportInternalError ?? ((text: string) => console.error(`cairn server: ${text}`));
    void seedAclFile(write, fileName, () => this.acl.registry.pristine, report);
  }

  /**
   * After an entry that changed the ACL: every client authenticated as a user since deleted or
   * replaced (ACL DELUSER, ACL LOAD) is disconnected, on every node, as Redis frees them; so is a
   * subscriber whose user may no longer hear one of its channels or patterns (ACLKillPubsubClientsIfNeeded).
   */
  private dropRemovedUsers(): void {
    const generation = this.acl.registry.generation;
    if (generation === this.aclGeneration) return;
    this.aclGeneration = generation;
    for (const [connection, session] of this.sessions) {
      if (!session.authenticated) continue;
      const user = this.acl.userOf(session);
      if (user === undefined || (session.pubsub.subscribed && !keepsSubscriptions(user, session.pubsub))) connection.destroy();
    }
  }

  /** Graceful: stop accepting, finish in-flight batches, close clients, then the backend. */
  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    const stopped = this.stopListening();
    const connections = [...this.sessions.keys()];
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, shutdownGraceMs)));
    await Promise.race([Promise.all(connections.map((c) => c.shutdown())), grace]);
    clearTimeout(timer);
    for (const connection of this.sessions.keys()) connection.destroy();
    await stopped;
    await this.backend.close();
  }

  private stopListening(): Promise<unknown> {
    const plain = this.plain;
    return Promise.all([plain === undefined ? undefined : new Promise<void>((resolve) => plain.close(() => resolve())), this.secure?.close()]);
  }

  private tlsRefused(refusal: TlsRefusal): void {
    this.stats.tlsHandshakeFailures++;
    const { suppressed } = refusal;
    if (suppressed !== null) this.options.tlsRefused?.({ ...refusal, suppressed });
  }

  private accept(socket: Socket): void {
    this.stats.connectionsReceived++;
    if (this.closed !== undefined) {
      socket.destroy();
      return;
    }
    if (this.sessions.size >= this.settings.maxClients) {
      this.stats.connectionsRejected++;
      socket.on('error', () => socket.destroy());
      socket.end(maxClientsReached);
      return;
    }
    const limits = {
      inlineMaxBytes: this.settings.inlineMaxBytes,
      bulkMaxBytes: this.settings.bulkMaxBytes,
      multibulkMaxCount: 2_147_483_647,
      queryBufferMaxBytes: this.settings.queryBufferMaxBytes,
    };
    const connection = new Connection(socket, limits, {
      countBytes: (input, output) => {
        this.stats.netInputBytes += input;
        this.stats.netOutputBytes += output;
      },
      closed: (c) => {
        const closed = this.sessions.get(c);
        closed?.closed();
        if (closed !== undefined) this.tracking.forget(closed);
        if (closed !== undefined) this.byId.delete(closed.id);
        this.sessions.delete(c);
      },
      errorReplied: (message) => countError(this.stats, message),
      internalError: (error, c) => {
        this.stats.internalErrors++;
        const detail = errorStack(error);
        const report = `internal error on client ${this.sessions.get(c)?.id ?? '?'} (${c.addr}), closing it: ${detail}`;
        (this.options.reportInternalError ?? ((text: string) => console.error(`cairn server: ${text}`)))(report);
      },
    });
    const session = new Session(this.nextClientId++, this, connection);
    this.sessions.set(connection, session);
    this.byId.set(session.id, session);
    connection.start(session, this.settings.idleTimeoutSeconds);
  }
}

/** A plain TCP listener on host:port handing each connection to `accept`; rejects with CAIRN_IO naming the address. */
async function listenPlain(host: string, port: number, accept: (socket: Socket) => void): Promise<Server> {
  const net = createServer({ pauseOnConnect: false, noDelay: true });
  net.on('connection', accept);
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const where = `${host}:${port}`;
      const message = error.code === 'EADDRINUSE' ? `port ${where} is already in use` : `cannot listen on ${where}: ${error.message}`;
      reject(new CairnError('CAIRN_IO', message, { cause: error }));
    };
    net.once('error', onError);
    net.listen(port, host, () => {
      net.off('error', onError);
      resolve();
    });
  });
  net.on('error', () => undefined);
  return net;
}

// CLIENT TRACKING, CLIENT CACHING, CLIENT GETREDIR and CLIENT TRACKINGINFO: client-side caching's
// subcommands of CLIENT, with Redis 7.0's replies and error texts; the state is the node's tracking
// table (tracking-table.ts) reached through the session's server, and CLIENT LIST's tracking flags.

import { bulkReply, errorReply, integerReply, OK, type Reply } from '../lib/reply.js';
import type { CommandMeta, ConnectionHandler, TableEntry } from './command-table.js';
import type { Session } from './session.js';
import { parseTracking } from './tracking-options.js';

function sub(name: string, arity: number, since: string, summary: string, handler: ConnectionHandler, complexity = 'O(1)'): TableEntry {
  const meta: CommandMeta = { name: `client|${name}`, arity, flags: ['noscript', 'loading', 'stale'], firstKey: 0, lastKey: 0, keyStep: 0, group: 'connection', since, summary, complexity };
  return { kind: 'connection', meta, handler };
}

const noTracking = errorReply('ERR client-side caching is not available on this server');

const tracking = sub('tracking', -3, '6.0.0', 'Controls server-assisted client-side caching for the connection', (session, argv) => {
  const hub = session.context.tracking;
  if (hub === undefined) return noTracking;
  const request = parseTracking(argv, hub.table.mode(session.id), (id) => hub.exists(id));
  if ('type' in request) return request;
  if (request.on) hub.table.enable(session.id, request.options);
  else hub.forget(session);
  return OK;
}, 'O(1). Some options may introduce additional complexity.');

const caching = sub('caching', 3, '6.0.0', 'Instructs the server whether to track the keys in the next request', (session, argv) => {
  const mode = session.context.tracking?.table.mode(session.id);
  if (mode === undefined) return errorReply('ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled');
  const option = argv[2]!.toString('latin1').toLowerCase();
  if (option === 'yes') {
    if (!mode.optin) return errorReply('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
  } else if (option === 'no') {
    if (!mode.optout) return errorReply('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
  } else return errorReply('ERR syntax error');
  mode.caching = true;
  return OK;
});

const getredir = sub('getredir', 2, '6.0.0', 'Returns the client ID to which the connection\'s tracking notifications are redirected', (session) =>
  integerReply(session.context.tracking?.table.mode(session.id)?.redirect ?? -1),
);

const trackinginfo = sub('trackinginfo', 2, '6.2.0', 'Returns information about server-assisted client-side caching for the connection', (session) => {
  const mode = session.context.tracking?.table.mode(session.id);
  const flags: string[] = [mode === undefined ? 'off' : 'on'];
  if (mode !== undefined) {
    if (mode.bcast) flags.push('bcast');
    if (mode.optin) flags.push('optin', ...(mode.caching ? ['caching-yes'] : []));
    if (mode.optout) flags.push('optout', ...(mode.caching ? ['caching-no'] : []));
    if (mode.noloop) flags.push('noloop');
    if (mode.brokenRedirect) flags.push('broken_redirect');
  }
  const prefixes = [...(mode?.prefixes ?? [])].sort().map((p) => bulkReply(Buffer.from(p, 'latin1')));
  const entries: [Reply, Reply][] = [
    [bulkReply('flags'), { type: 'set', items: flags.map((f) => bulkReply(f)) }],
    [bulkReply('redirect'), integerReply(mode?.redirect ?? -1)],
    [bulkReply('prefixes'), { type: 'array', items: prefixes }],
  ];
  return { type: 'map', entries };
});

/** CLIENT's tracking subcommands, for the CLIENT container. */
export const trackingCommands: readonly TableEntry[] = [tracking, caching, getredir, trackinginfo];

/** CLIENT LIST's tracking flags in Redis's order (t tracking, R broken redirect, B broadcast) and its redir field. */
export function trackingListing(session: Session): { readonly flags: string; readonly redir: number } {
  const mode = session.context.tracking?.table.mode(session.id);
  if (mode === undefined) return { flags: '', redir: -1 };
  return { flags: 't' + (mode.brokenRedirect ? 'R' : '') + (mode.bcast ? 'B' : ''), redir: mode.redirect };
}

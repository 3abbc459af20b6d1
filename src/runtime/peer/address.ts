// Peer addresses: `host:port` where host is an IPv4 address, a bracketed IPv6 address
// (`[::1]:17001`, `[fe80::1%eth0]:17001`) or a DNS name, and the list form of `--peers`
// (`n1=10.0.0.1:17001,n2=[::1]:17002,n3=db3.example:17003`). Bad input throws
// CAIRN_INVALID_ARGUMENT naming what was wrong.

import { isIP } from 'node:net';
import { CairnError } from '../../lib/errors.js';
import { CLUSTER_MEMBERS_MAX } from '../../lib/limits.js';
import { ID_BYTES_MAX } from './wire.js';

export interface PeerAddress {
  /** Without brackets: what net.connect() takes. */
  host: string;
  port: number;
}

// RFC 1123 labels, plus '_' inside a label: Docker and Compose name containers `app_db_1`.
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*\.?$/;

function bad(message: string): CairnError {
  return new CairnError('CAIRN_INVALID_ARGUMENT', message);
}

function parsePort(text: string, address: string, portMin: number): number {
  if (!/^\d{1,5}$/.test(text)) throw bad(`peer address ${JSON.stringify(address)}: port must be a number ${portMin}..65535`);
  const port = Number(text);
  if (port < portMin || port > 65535) throw bad(`peer address ${JSON.stringify(address)}: port ${port} outside ${portMin}..65535`);
  return port;
}

/**
 * `host:port` or `[ipv6]:port`. `portMin` 0 accepts port 0, which only the address book holds: a
 * one-member cluster's own entry when it has no peer listener (nobody dials it).
 */
export function parsePeerAddress(address: string, portMin = 1): PeerAddress {
  if (address.startsWith('[')) {
    const close = address.indexOf(']');
    if (close < 0 || address[close + 1] !== ':') throw bad(`peer address ${JSON.stringify(address)}: expected [ipv6]:port`);
    const host = address.slice(1, close);
    const zoneless = host.split('%')[0] ?? '';
    if (isIP(zoneless) !== 6) throw bad(`peer address ${JSON.stringify(address)}: ${JSON.stringify(host)} is not an IPv6 address`);
    return { host, port: parsePort(address.slice(close + 2), address, portMin) };
  }
  const colon = address.lastIndexOf(':');
  if (colon <= 0) throw bad(`peer address ${JSON.stringify(address)}: expected host:port`);
  const host = address.slice(0, colon);
  if (host.includes(':')) throw bad(`peer address ${JSON.stringify(address)}: put an IPv6 address in brackets, [${host}]:port`);
  if (isIP(host) !== 4 && !HOSTNAME.test(host)) throw bad(`peer address ${JSON.stringify(address)}: ${JSON.stringify(host)} is not an IPv4 address or host name`);
  return { host, port: parsePort(address.slice(colon + 1), address, portMin) };
}

/** `host:port`, bracketing IPv6 hosts: the inverse of parsePeerAddress. */
export function formatPeerAddress(address: PeerAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/** Parses `id=host:port,id=host:port,...` into a map; ids must be unique. */
export function parsePeerList(list: string): Map<string, string> {
  const peers = new Map<string, string>();
  const items = list.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
  if (items.length > CLUSTER_MEMBERS_MAX) throw bad(`peer list has ${items.length} members, more than ${CLUSTER_MEMBERS_MAX}`);
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw bad(`peer ${JSON.stringify(item)}: expected id=host:port`);
    const id = item.slice(0, eq);
    if (Buffer.byteLength(id, 'utf8') > ID_BYTES_MAX) throw bad(`peer id ${JSON.stringify(id)} is longer than ${ID_BYTES_MAX} bytes`);
    if (peers.has(id)) throw bad(`peer id ${JSON.stringify(id)} appears twice`);
    const address = item.slice(eq + 1);
    parsePeerAddress(address);
    peers.set(id, address);
  }
  return peers;
}

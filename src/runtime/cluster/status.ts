// `cairn status`: asks each node (CLUSTER INFO over RESP) for its role, term, leader, commit and
// applied index, on the leader each follower's lag, and whether its client addresses are settled
// (its own announced to the cluster, every member's known: CLUSTER SLOTS leaves out a member whose
// address is unknown, and a follower does not relay to a leader whose address is unknown), and
// prints one row per node. A node that does not answer within the timeout is shown as down. Exit code 0 when some node leads, else 1.

import { connect } from 'node:net';
import { parseArgs } from 'node:util';
import { CLUSTER_MEMBERS_MAX } from '../../lib/limits.js';
import { ReplyParser } from '../../resp/reply-parser.js';
import { parsePeerAddress } from '../peer/address.js';
import { asError, CairnError, errorMessage } from '../../lib/errors.js';

const usage = 'usage: cairn status [--nodes HOST:PORT,...] [--password PASSWORD] [--timeout-ms 2000]   (default nodes: 127.0.0.1:7001-7003)';

export async function main(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { nodes: { type: 'string' }, password: { type: 'string', short: 'a' }, 'timeout-ms': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (error) {
    console.error(`cairn status: ${errorMessage(error)}\n${usage}`);
    return 2;
  }
  if (values.help === true) {
    console.log(usage);
    return 0;
  }
  const list = (values.nodes ?? '127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003').split(',').filter((s) => s !== '').slice(0, CLUSTER_MEMBERS_MAX);
  const timeoutMs = Number(values['timeout-ms'] ?? '2000');
  let addresses;
  try {
    addresses = list.map((text) => parsePeerAddress(text.trim()));
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new CairnError('CAIRN_INVALID_ARGUMENT', '--timeout-ms must be a positive whole number');
  } catch (error) {
    console.error(`cairn status: ${errorMessage(error)}\n${usage}`);
    return 2;
  }
  const infos = await Promise.all(addresses.map((a) => clusterInfo(a.host, a.port, values.password, timeoutMs).catch((error: unknown) => asError(error))));
  const rows = [['NODE', 'ADDRESS', 'ROLE', 'TERM', 'LEADER', 'COMMIT', 'APPLIED', 'CLIENT ADDRESSES', 'LAG']];
  infos.forEach((info, i) => {
    const address = list[i]!.trim();
    if (info instanceof Error) rows.push(['?', address, `down (${info.message})`, '', '', '', '', '', '']);
    else {
      const lags = Object.entries(info).filter(([k]) => k.startsWith('cairn_follower_lag_')).map(([k, v]) => `${k.slice('cairn_follower_lag_'.length)}=${v}`);
      rows.push([info.cairn_node_id ?? '?', address, info.cairn_role ?? '?', info.cairn_term ?? '', info.cairn_leader || '-', info.cairn_commit_index ?? '', info.cairn_applied_index ?? '', addressState(info), lags.join(' ')]);
    }
  });
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd());
  return infos.some((info) => !(info instanceof Error) && info.cairn_role === 'leader') ? 0 : 1;
}

/** "ok", or what is missing: this node's own address not yet in the replicated book, members whose address it does not know. */
export function addressState(info: Readonly<Record<string, string>>): string {
  const missing: string[] = [];
  if (info.cairn_client_address_announced === 'no') missing.push(`own ${info.cairn_client_address ?? '?'} not announced yet`);
  const unknown = info.cairn_client_addresses_unknown ?? '';
  if (unknown !== '') missing.push(`unknown: ${unknown}`);
  return missing.length === 0 ? 'ok' : missing.join('; ');
}

/** CLUSTER INFO of one node as key/value fields. */
async function clusterInfo(host: string, port: number, password: string | undefined, timeoutMs: number): Promise<Record<string, string>> {
  const socket = connect({ host, port });
  const parser = new ReplyParser();
  const timer = setTimeout(() => socket.destroy(new CairnError('CAIRN_TIMEOUT', 'no answer')), timeoutMs);
  try {
    const commands = password === undefined ? [['CLUSTER', 'INFO']] : [['AUTH', password], ['CLUSTER', 'INFO']];
    socket.write(commands.map((argv) => `*${argv.length}\r\n${argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`).join(''));
    const replies = await new Promise<ReturnType<ReplyParser['next']>[]>((resolve, reject) => {
      const got: ReturnType<ReplyParser['next']>[] = [];
      socket.on('data', (chunk: Buffer) => {
        parser.push(chunk);
        for (let r = parser.next(); r !== undefined; r = parser.next()) got.push(r);
        if (got.length >= commands.length) resolve(got);
      });
      socket.once('error', reject);
      socket.once('close', () => reject(new CairnError('CAIRN_CLOSED', 'connection closed')));
    });
    const reply = replies[replies.length - 1];
    if (reply === undefined || reply.type !== 'bulk') throw new CairnError('CAIRN_REFUSED', reply?.type === 'error' ? reply.message : 'not a Cairn cluster node');
    return Object.fromEntries(reply.value.toString().split('\r\n').filter((line) => line.includes(':')).map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon), line.slice(colon + 1)];
    }));
  } finally {
    clearTimeout(timer);
    socket.destroy();
  }
}

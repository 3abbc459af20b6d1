// `cairn cluster add|remove|transfer|members`: changes a running cluster's membership or moves its
// leadership by sending the CLUSTER subcommand to any node over RESP. A node that does not lead
// answers `NOTLEADER id host:port`; the command follows that to the leader (a few hops at most).
// Exit codes: 0 done, 1 refused or unreachable, 2 bad usage.

import { parseArgs } from 'node:util';
import type { ServerReply } from '../resp/reply-parser.js';
import { parsePeerAddress } from '../runtime/peer/address.js';
import { ClientConnection, type Address } from './client-connection.js';
import { CairnError, errorMessage } from '../lib/errors.js';

const usage = `usage: cairn cluster <subcommand> [-h HOST] [-p PORT] [-a PASSWORD] [--timeout-ms 90000]

subcommands (sent to any node, default 127.0.0.1:7001; followed to the leader):
  add ID --peer HOST:PORT --client HOST:PORT   add a node started with --join (learner, catch-up, voter)
  remove ID                                    remove a member (the leader too: it hands over first)
  transfer ID                                  make the voter ID the leader
  members                                      every member: role, peer and client address, leader`;

/** Most NOTLEADER answers followed before giving up (leadership moving under us). */
const redirectsMax = 3;

interface Parsed {
  readonly argv: string[];
  readonly address: Address;
  readonly password: string | undefined;
  readonly timeoutMs: number;
  readonly subcommand: string;
}

export async function main(args: string[]): Promise<number> {
  if (args.includes('--help')) {
    console.log(usage);
    return 0;
  }
  let parsed: Parsed;
  try {
    parsed = parse(args);
  } catch (error) {
    console.error(`cairn cluster: ${errorMessage(error)}\n${usage}`);
    return 2;
  }
  let reply: ServerReply;
  try {
    reply = await callFollowingLeader(parsed);
  } catch (error) {
    console.error(`cairn cluster: ${errorMessage(error)}`);
    return 1;
  }
  if (reply.type === 'error') {
    console.error(`cairn cluster ${parsed.subcommand}: ${reply.message}`);
    return 1;
  }
  console.log(describe(parsed, reply));
  return 0;
}

function parse(args: string[]): Parsed {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      host: { type: 'string', short: 'h' },
      port: { type: 'string', short: 'p' },
      password: { type: 'string', short: 'a' },
      peer: { type: 'string' },
      client: { type: 'string' },
      'timeout-ms': { type: 'string' },
    },
  });
  const [subcommand, ...rest] = positionals;
  const address = parsePeerAddress(`${values.host?.includes(':') === true ? `[${values.host}]` : (values.host ?? '127.0.0.1')}:${values.port ?? '7001'}`);
  const timeoutMs = Number(values['timeout-ms'] ?? '90000');
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > 3_600_000) throw new CairnError('CAIRN_INVALID_ARGUMENT', '--timeout-ms: expected a whole number of milliseconds, 1..3600000');
  const base = { address, password: values.password, timeoutMs };
  const one = (what: string): string => {
    if (rest.length !== 1 || rest[0] === '') throw new CairnError('CAIRN_INVALID_ARGUMENT', `${what}: give exactly one node id`);
    return rest[0]!;
  };
  switch (subcommand) {
    case 'add': {
      const id = one('add');
      if (values.peer === undefined || values.client === undefined) throw new CairnError('CAIRN_INVALID_ARGUMENT', 'add: give --peer HOST:PORT and --client HOST:PORT');
      parsePeerAddress(values.peer);
      parsePeerAddress(values.client);
      return { ...base, subcommand, argv: ['CLUSTER', 'ADDNODE', id, values.peer, values.client] };
    }
    case 'remove':
      return { ...base, subcommand, argv: ['CLUSTER', 'REMOVENODE', one('remove')] };
    case 'transfer':
      return { ...base, subcommand, argv: ['CLUSTER', 'TRANSFER', one('transfer')] };
    case 'members':
      if (rest.length !== 0) throw new CairnError('CAIRN_INVALID_ARGUMENT', 'members takes no arguments');
      return { ...base, subcommand, argv: ['CLUSTER', 'MEMBERS'] };
    case undefined:
      throw new CairnError('CAIRN_INVALID_ARGUMENT', 'missing subcommand');
    default:
      throw new CairnError('CAIRN_INVALID_ARGUMENT', `unknown subcommand '${subcommand}'`);
  }
}

/** Sends the command, following NOTLEADER answers to the leader; the whole exchange is bounded by timeoutMs. */
async function callFollowingLeader(parsed: Parsed): Promise<ServerReply> {
  let address = parsed.address;
  const deadline = Date.now() + parsed.timeoutMs;
  for (let hop = 0; ; hop++) {
    const reply = await callOnce(address, parsed, deadline - Date.now());
    const redirect = reply.type === 'error' ? /^NOTLEADER (\S+) (\S+)/.exec(reply.message) : null;
    if (redirect === null || hop >= redirectsMax) return reply;
    console.error(`cairn cluster: ${address.host}:${address.port} does not lead; asking the leader ${redirect[1]} at ${redirect[2]}`);
    address = parsePeerAddress(redirect[2]!);
  }
}

async function callOnce(address: Address, parsed: Parsed, timeoutMs: number): Promise<ServerReply> {
  const connection = new ClientConnection(address);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CairnError('CAIRN_TIMEOUT', `no answer from ${address.host}:${address.port} within ${parsed.timeoutMs} ms (the change may still complete)`)), Math.max(1, timeoutMs));
  });
  try {
    const exchange = (async () => {
      if (parsed.password !== undefined) {
        const auth = await connection.call(['AUTH', parsed.password]);
        if (auth.type === 'error') return auth;
      }
      return connection.call(parsed.argv);
    })();
    // Closing the connection on a timeout rejects the exchange too; that rejection is expected.
    exchange.catch(() => undefined);
    return await Promise.race([exchange, timedOut]);
  } finally {
    clearTimeout(timer);
    connection.close();
  }
}

function describe(parsed: Parsed, reply: ServerReply): string {
  const argv = parsed.argv;
  if (parsed.subcommand === 'add') return `added ${argv[2]} as a voter (peer ${argv[3]}, client ${argv[4]})`;
  if (parsed.subcommand === 'remove') return `removed ${argv[2]}`;
  if (parsed.subcommand === 'transfer') return `${argv[2]} leads now`;
  if (reply.type !== 'array') return `unexpected reply: ${reply.type}`;
  const rows = [['ID', 'ROLE', 'PEER', 'CLIENT', 'FLAGS'], ...reply.items.map((item) => (item.type === 'bulk' ? item.value.toString('utf8').split(' ') : ['?']))];
  const flags = rows.map((row) => row.slice(4).join(','));
  const table = rows.map((row, i) => [...row.slice(0, 4), flags[i]]);
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => (row[c] ?? '').length)));
  return table.map((row) => row.map((cell, c) => (cell ?? '').padEnd(widths[c]!)).join('  ').trimEnd()).join('\n');
}

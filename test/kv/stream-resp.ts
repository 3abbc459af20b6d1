// Test helper for the stream differential: parses raw RESP2/RESP3 replies into trees and compares
// two of them with the time-dependent fields (idle times, delivery and seen times) allowed to
// differ by a tolerance, since Redis's clock and the test's nowMs are not the same clock.

export type Resp = string | number | null | { readonly error: string } | Resp[];

/** Parses one complete reply (the test's redis-server connection hands out whole replies). */
export function parseResp(buf: Buffer): Resp {
  let at = 0;
  const line = (): string => {
    const end = buf.indexOf('\r\n', at);
    const text = buf.toString('latin1', at, end);
    at = end + 2;
    return text;
  };
  const value = (): Resp => {
    const head = line();
    const type = head[0];
    const rest = head.slice(1);
    if (type === '+' || type === '(' || type === ',') return rest;
    if (type === '-') return { error: rest };
    if (type === ':') return Number(rest);
    if (type === '_') return null;
    if (type === '#') return rest === 't' ? 1 : 0;
    const count = Number(rest);
    if (type === '$' || type === '=') {
      if (count < 0) return null;
      const text = buf.toString('latin1', at, at + count);
      at += count + 2;
      return text;
    }
    if (count < 0) return null;
    const items: Resp[] = [];
    const elements = type === '%' ? 2 * count : count;
    for (let i = 0; i < elements; i++) items.push(value());
    return items;
  };
  return value();
}

/** Blanks the time-dependent fields of a stream reply, collecting their values. */
function blankTimes(reply: Resp, command: string, times: number[]): Resp {
  const take = (v: Resp): Resp => {
    times.push(typeof v === 'number' ? v : Number.NaN);
    return '<time>';
  };
  if (command === 'xpending' && Array.isArray(reply)) {
    return reply.map((row) => (Array.isArray(row) && row.length === 4 ? [row[0]!, row[1]!, take(row[2]!), row[3]!] : row));
  }
  const walk = (node: Resp): Resp => {
    if (!Array.isArray(node)) return node;
    const out: Resp[] = [];
    for (let i = 0; i < node.length; i++) {
      const item = node[i]!;
      const next = node[i + 1];
      out.push(walk(item));
      if ((item === 'idle' || item === 'seen-time') && next !== undefined) {
        out.push(take(next));
        i++;
      } else if (item === 'pending' && Array.isArray(next)) {
        out.push(next.map((row) => pendingRow(row, take)));
        i++;
      }
    }
    return out;
  };
  return walk(reply);
}

/** XINFO STREAM FULL's pending rows: [id, consumer, time, count] for a group, [id, time, count] for a consumer. */
function pendingRow(row: Resp, take: (v: Resp) => Resp): Resp {
  if (!Array.isArray(row)) return row;
  if (row.length === 4) return [row[0]!, row[1]!, take(row[2]!), row[3]!];
  if (row.length === 3) return [row[0]!, take(row[1]!), row[2]!];
  return row;
}

/** Commands whose replies hold times. */
export const TIMED_COMMANDS = new Set(['xpending', 'xinfo']);

/** Whether two replies agree once times are allowed to differ by up to `toleranceMs`. */
export function sameUpToTimes(command: string, ours: Buffer, theirs: Buffer, toleranceMs: number): boolean {
  const ourTimes: number[] = [];
  const theirTimes: number[] = [];
  const a = blankTimes(parseResp(ours), command, ourTimes);
  const b = blankTimes(parseResp(theirs), command, theirTimes);
  if (JSON.stringify(a) !== JSON.stringify(b) || ourTimes.length !== theirTimes.length) return false;
  return ourTimes.every((t, i) => Math.abs(t - theirTimes[i]!) <= toleranceMs);
}

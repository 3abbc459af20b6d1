// What a library's scripts need of the server's Lua that Cairn may not have yet, each as a probe
// script with the answer Redis 7.0 gives. A test calls `skipUnless(t, target, ...needs)` first: on a
// server whose answer differs it is skipped with the precise reason (the probe, both answers, what
// the library then fails with), and it runs as soon as the server answers like Redis.
import type { TestContext } from 'node:test';
import { Redis } from 'ioredis';
import type { LibTarget } from './targets.js';

export interface ScriptNeed {
  /** A script taking no keys, and what redis-server 7.0.15 answers it. */
  readonly probe: string;
  readonly redisAnswer: string;
  /** What the library does on a server that answers otherwise. */
  readonly consequence: string;
}

/** BullMQ's add scripts unpack the job's options with cmsgpack. */
export const CMSGPACK: ScriptNeed = {
  probe: 'return type(cmsgpack)',
  redisAnswer: 'table',
  consequence: "BullMQ's add scripts answer ERR user_script:49: Script attempted to access nonexistent global variable 'cmsgpack'",
};

/**
 * Lua 5.1 numbers are doubles, so 0x100000000 is 2^32; BullMQ's getPriorityScore computes
 * `priority * 0x100000000 + counter % 0x100000000`.
 */
export const HEX_LITERALS: ScriptNeed = {
  probe: 'return tostring(0x100000000) .. " " .. tostring(0xFFFFFFFF)',
  redisAnswer: '4294967296 4294967295',
  consequence: 'BullMQ\'s addPrioritizedJob sends ZADD a score of "-nan" (x % 0) and answers ERR value is not a valid float (user_script:75)',
};

const answers = new Map<string, Promise<string>>();

async function answer(port: number, probe: string): Promise<string> {
  const redis = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    return String(await redis.eval(probe, 0));
  } catch (error) {
    return `error: ${(error as Error).message}`;
  } finally {
    redis.disconnect();
  }
}

/** Skips t when the target answers a need's probe otherwise than Redis; true when it did. */
export async function skipUnless(t: TestContext, target: LibTarget, ...needs: readonly ScriptNeed[]): Promise<boolean> {
  for (const need of needs) {
    const key = `${target.port(0)} ${need.probe}`;
    if (!answers.has(key)) answers.set(key, answer(target.port(0), need.probe));
    const got = await answers.get(key)!;
    if (got === need.redisAnswer) continue;
    t.skip(`${target.kind} answers EVAL "${need.probe}" 0 with "${got}" where Redis 7.0 answers "${need.redisAnswer}": ${need.consequence}`);
    return true;
  }
  return false;
}

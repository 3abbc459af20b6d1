// math.random and math.randomseed as Redis defines them for scripts (redis_math_random over rand.c's
// redisLrand48, a 48-bit linear congruential generator): the same seed gives Redis's own sequence.
// Redis keeps one generator for the whole server; Cairn seeds it at the start of every script from
// the replicated state, so every replica draws the same numbers.

import { lauxlib, lua, type LuaState } from 'fengari';

const MULTIPLIER = 0x5deece66dn;
const INCREMENT = 0xbn;
const MASK_48 = (1n << 48n) - 1n;
/** REDIS_LRAND48_MAX (INT32_MAX). */
const LRAND48_MAX = 2147483647;

export class Rand48 {
  private x = 0n;

  constructor(seed: number) {
    this.seed(seed);
  }

  /** redisSrand48: the high 32 bits of the state are the seed, the low 16 bits 0x330E. */
  seed(seed: number): void {
    this.x = (BigInt(seed >>> 0) << 16n) | 0x330en;
  }

  /** redisLrand48: a non-negative 31-bit integer. */
  next(): number {
    this.x = (MULTIPLIER * this.x + INCREMENT) & MASK_48;
    return Number(this.x >> 17n);
  }

  /** [0, 1), as redis_math_random computes it. */
  nextUnit(): number {
    return (this.next() % LRAND48_MAX) / LRAND48_MAX;
  }
}

/** A C int from a Lua number argument, truncated as Lua 5.1's luaL_checkint does. */
function checkInt(L: LuaState, arg: number): number {
  return Math.trunc(lauxlib.luaL_checknumber(L, arg)) | 0;
}

/** math.random([m [, n]]) on `rand`. */
export function randomFunction(rand: () => Rand48): (L: LuaState) => number {
  return (L: LuaState): number => {
    const r = rand().nextUnit();
    switch (lua.lua_gettop(L)) {
      case 0:
        lua.lua_pushnumber(L, r);
        return 1;
      case 1: {
        const u = checkInt(L, 1);
        lauxlib.luaL_argcheck(L, 1 <= u, 1, 'interval is empty');
        lua.lua_pushnumber(L, Math.floor(r * u) + 1);
        return 1;
      }
      case 2: {
        const l = checkInt(L, 1);
        const u = checkInt(L, 2);
        lauxlib.luaL_argcheck(L, l <= u, 2, 'interval is empty');
        lua.lua_pushnumber(L, Math.floor(r * (u - l + 1)) + l);
        return 1;
      }
      default:
        return lauxlib.luaL_error(L, 'wrong number of arguments');
    }
  };
}

/** math.randomseed(n) on `rand`. */
export function randomseedFunction(rand: () => Rand48): (L: LuaState) => number {
  return (L: LuaState): number => {
    rand().seed(checkInt(L, 1));
    return 0;
  };
}

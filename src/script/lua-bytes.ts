// Pushing bytes onto a Lua stack as a string. fengari's lua_pushlstring copies the bytes with
// Uint8Array.from, which walks them one element at a time through the iterator protocol; scripts
// receive every KEYS/ARGV value, every bulk reply of redis.call and every string cmsgpack and cjson
// decode this way, so here the copy is one `new Uint8Array(bytes)` (a memcpy). The string is the
// same: a fresh copy (the caller's buffer may change later), and for no bytes one shared empty array
// as fengari uses.

import type { LuaState } from 'fengari';
import type { LuaStack } from 'fengari/src/ldo.js';
import lobject from 'fengari/src/lobject.js';
import lstring from 'fengari/src/lstring.js';

const EMPTY = new Uint8Array(0);

/** lua_pushlstring(L, bytes, bytes.length), with one copy. */
export function pushBytes(L: LuaState, bytes: Uint8Array): void {
  // lua_pushlstring's api_check: a C function has only the slots it asked for (lua_checkstack).
  if ((L as unknown as LuaStack).top >= (L as unknown as LuaStack).ci.top) throw new Error('stack overflow');
  lobject.pushsvalue2s(L, lstring.luaS_bless(L, bytes.length === 0 ? EMPTY : new Uint8Array(bytes)));
}

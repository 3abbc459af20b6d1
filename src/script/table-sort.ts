// table.sort as Lua 5.1 does it (ltablib.c's auxsort: quicksort with a median-of-three pivot and no
// randomness), replacing fengari's, which picks pivots with Math.random: the same table and order
// function give the same order on every replica, ties included, and the same order as Redis.

import { lauxlib, lua, type LuaState } from 'fengari';

/** Whether the values at stack indexes a and b are in order: the order function, or `<`. */
function sortComp(L: LuaState, a: number, b: number): boolean {
  if (!lua.lua_isnil(L, 2)) {
    lua.lua_pushvalue(L, 2);
    lua.lua_pushvalue(L, a - 1); // -1 for the function pushed
    lua.lua_pushvalue(L, b - 2); // -2 for the function and a
    lua.lua_call(L, 2, 1);
    const res = lua.lua_toboolean(L, -1);
    lua.lua_pop(L, 1);
    return res;
  }
  return lua.lua_compare(L, a, b, lua.LUA_OPLT);
}

/** t[i] = top, t[j] = the value below it (both popped). */
function set2(L: LuaState, i: number, j: number): void {
  lua.lua_rawseti(L, 1, i);
  lua.lua_rawseti(L, 1, j);
}

function invalidOrder(L: LuaState): never {
  return lauxlib.luaL_error(L, 'invalid order function for sorting');
}

/** Sorts a[l..u] in place; the table is at stack index 1, the order function (or nil) at 2. */
function auxsort(L: LuaState, l: number, u: number): void {
  while (l < u) {
    lua.lua_rawgeti(L, 1, l);
    lua.lua_rawgeti(L, 1, u);
    if (sortComp(L, -1, -2)) set2(L, l, u);
    else lua.lua_pop(L, 2);
    if (u - l === 1) break;
    let i = Math.trunc((l + u) / 2);
    lua.lua_rawgeti(L, 1, i);
    lua.lua_rawgeti(L, 1, l);
    if (sortComp(L, -2, -1)) set2(L, i, l);
    else {
      lua.lua_pop(L, 1);
      lua.lua_rawgeti(L, 1, u);
      if (sortComp(L, -1, -2)) set2(L, i, u);
      else lua.lua_pop(L, 2);
    }
    if (u - l === 2) break;
    lua.lua_rawgeti(L, 1, i); // the pivot
    lua.lua_pushvalue(L, -1);
    lua.lua_rawgeti(L, 1, u - 1);
    set2(L, i, u - 1);
    i = l;
    let j = u - 1;
    for (;;) {
      // a[l..i] <= P <= a[j..u]
      while ((lua.lua_rawgeti(L, 1, ++i), sortComp(L, -1, -2))) {
        if (i > u) invalidOrder(L);
        lua.lua_pop(L, 1);
      }
      while ((lua.lua_rawgeti(L, 1, --j), sortComp(L, -3, -1))) {
        if (j < l) invalidOrder(L);
        lua.lua_pop(L, 1);
      }
      if (j < i) {
        lua.lua_pop(L, 3);
        break;
      }
      set2(L, i, j);
    }
    lua.lua_rawgeti(L, 1, u - 1);
    lua.lua_rawgeti(L, 1, i);
    set2(L, u - 1, i);
    // The smaller half recursively, the larger one by looping.
    if (i - l < u - i) {
      j = l;
      i = i - 1;
      l = i + 2;
    } else {
      j = i + 1;
      i = u;
      u = j - 2;
    }
    auxsort(L, j, i);
  }
}

/** table.sort(t [, comp]). */
export function tableSort(L: LuaState): number {
  lauxlib.luaL_checktype(L, 1, lua.LUA_TTABLE);
  const n = lua.lua_rawlen(L, 1);
  lauxlib.luaL_checkstack(L, 40, '');
  if (!lua.lua_isnoneornil(L, 2)) lauxlib.luaL_checktype(L, 2, lua.LUA_TFUNCTION);
  lua.lua_settop(L, 2);
  auxsort(L, 1, n);
  return 0;
}

// The `cmsgpack` library Redis 7.0 gives scripts (lua-cmsgpack 0.4.0): pack, unpack, unpack_one,
// unpack_limit and its name, version, copyright and description strings.

import { lauxlib, lua, type LuaState } from 'fengari';
import { cmsgpackPack } from './cmsgpack-pack.js';
import { cmsgpackUnpack, cmsgpackUnpackLimit, cmsgpackUnpackOne } from './cmsgpack-unpack.js';

/** luaopen_cmsgpack, for luaL_requiref(L, 'cmsgpack', openCmsgpack, 1). */
export function openCmsgpack(L: LuaState): number {
  lauxlib.luaL_newlib(L, { pack: cmsgpackPack, unpack: cmsgpackUnpack, unpack_one: cmsgpackUnpackOne, unpack_limit: cmsgpackUnpackLimit });
  const fields: readonly [string, string][] = [
    ['_NAME', 'cmsgpack'],
    ['_VERSION', 'lua-cmsgpack 0.4.0'],
    ['_COPYRIGHT', 'Copyright (C) 2012, Salvatore Sanfilippo'],
    ['_DESCRIPTION', 'MessagePack C implementation for Lua'],
  ];
  for (const [key, value] of fields) {
    lua.lua_pushliteral(L, value);
    lua.lua_setfield(L, -2, key);
  }
  return 1;
}

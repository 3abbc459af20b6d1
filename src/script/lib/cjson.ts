// The `cjson` library Redis 7.0 gives scripts (lua-cjson 2.1.0): encode, decode, the settings
// functions, cjson.null (a NULL light userdata), _NAME/_VERSION, and cjson.new(), which makes
// another table with settings of its own.

import { lauxlib, lua, type LuaState } from 'fengari';
import { cjsonConfigFunctions, defaultCjsonConfig } from './cjson-config.js';
import { cjsonDecode } from './cjson-decode.js';
import { cjsonEncode } from './cjson-encode.js';

/** lua_cjson_new: pushes a fresh cjson table. */
function newCjson(L: LuaState): number {
  const config = defaultCjsonConfig();
  lauxlib.luaL_newlib(L, {
    encode: cjsonEncode(config),
    decode: cjsonDecode(config),
    ...cjsonConfigFunctions(config),
    new: newCjson,
  });
  lua.lua_pushlightuserdata(L, null);
  lua.lua_setfield(L, -2, 'null');
  lua.lua_pushliteral(L, 'cjson');
  lua.lua_setfield(L, -2, '_NAME');
  lua.lua_pushliteral(L, '2.1.0');
  lua.lua_setfield(L, -2, '_VERSION');
  return 1;
}

/** luaopen_cjson, for luaL_requiref(L, 'cjson', openCjson, 1). */
export function openCjson(L: LuaState): number {
  return newCjson(L);
}

// The libraries Redis 7.0 gives every script — cjson, cmsgpack, bit, struct — as openers for the
// script engine: `for (const { name, open } of SCRIPT_LIBRARIES) luaL_requiref(L, name, open, 1)`
// loads each as a global, as Redis does. Each behaves as its C original in Redis's Lua 5.1 build.

import type { LuaState } from 'fengari';
import { openBit } from './bit.js';
import { openCjson } from './cjson.js';
import { openCmsgpack } from './cmsgpack.js';
import { openStruct } from './struct.js';

export interface ScriptLibrary {
  readonly name: string;
  readonly open: (L: LuaState) => number;
}

export const SCRIPT_LIBRARIES: readonly ScriptLibrary[] = [
  { name: 'cjson', open: openCjson },
  { name: 'struct', open: openStruct },
  { name: 'cmsgpack', open: openCmsgpack },
  { name: 'bit', open: openBit },
];

export { openBit, openCjson, openCmsgpack, openStruct };

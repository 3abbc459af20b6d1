// The libraries a script sees besides Lua's own (Redis 7.0 loads cjson, struct, cmsgpack and bit):
// each is a luaL_requiref-style opener (pushes its table, returns 1) installed as a global under its
// name, then made read-only with the rest of the sandbox. Openers from src/script/lib/ plug in here.

import type { LuaJsFunction } from 'fengari';

export interface LibraryOpener {
  /** The global the library is known by. */
  readonly name: string;
  readonly open: LuaJsFunction;
}

/** The extra libraries every script state opens, in this order. */
export const LIBRARY_OPENERS: readonly LibraryOpener[] = [];

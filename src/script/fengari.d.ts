// Type declarations for the part of fengari (a Lua 5.3 VM in JavaScript, npm `fengari`) that Cairn
// uses. fengari ships no types. Lua strings are byte arrays (`Uint8Array`, "luastrings"); JS
// strings are accepted only where the name says so (`lua_pushliteral`, `luaL_error`'s format).
// Add declarations here as code needs them; keep them true to fengari's src/lapi.js and lauxlib.js.

declare module 'fengari' {
  /** An opaque Lua thread (lua_State). */
  export interface LuaState { readonly __luaStateBrand: unique symbol }
  /** A JS function callable from Lua: reads its arguments from the stack, returns how many results it pushed. */
  export type LuaJsFunction = (L: LuaState) => number;
  export type LuaHook = (L: LuaState, ar: LuaDebug) => void;
  export interface LuaDebug { event: number; currentline: number }
  export type LuaKFunction = (L: LuaState, status: number, ctx: unknown) => number;

  export const lua: {
    readonly LUA_OK: number; readonly LUA_YIELD: number; readonly LUA_ERRRUN: number; readonly LUA_ERRSYNTAX: number;
    readonly LUA_ERRMEM: number; readonly LUA_ERRERR: number;
    readonly LUA_TNONE: number; readonly LUA_TNIL: number; readonly LUA_TBOOLEAN: number; readonly LUA_TLIGHTUSERDATA: number;
    readonly LUA_TNUMBER: number; readonly LUA_TSTRING: number; readonly LUA_TTABLE: number; readonly LUA_TFUNCTION: number;
    readonly LUA_TUSERDATA: number; readonly LUA_TTHREAD: number;
    readonly LUA_MULTRET: number; readonly LUA_REGISTRYINDEX: number; readonly LUA_RIDX_GLOBALS: number;
    readonly LUA_MASKCOUNT: number; readonly LUA_MASKLINE: number; readonly LUA_MASKCALL: number; readonly LUA_MASKRET: number;
    lua_upvalueindex(i: number): number;
    lua_setupvalue(L: LuaState, funcindex: number, n: number): Uint8Array | null;
    lua_gettop(L: LuaState): number;
    lua_settop(L: LuaState, idx: number): void;
    lua_pop(L: LuaState, n: number): void;
    lua_pushvalue(L: LuaState, idx: number): void;
    lua_insert(L: LuaState, idx: number): void;
    lua_remove(L: LuaState, idx: number): void;
    lua_replace(L: LuaState, idx: number): void;
    lua_rotate(L: LuaState, idx: number, n: number): void;
    lua_absindex(L: LuaState, idx: number): number;
    lua_checkstack(L: LuaState, n: number): boolean;
    lua_type(L: LuaState, idx: number): number;
    lua_typename(L: LuaState, type: number): Uint8Array;
    lua_isinteger(L: LuaState, idx: number): boolean;
    lua_isnumber(L: LuaState, idx: number): boolean;
    lua_isstring(L: LuaState, idx: number): boolean;
    lua_isnil(L: LuaState, idx: number): boolean;
    lua_istable(L: LuaState, idx: number): boolean;
    lua_isfunction(L: LuaState, idx: number): boolean;
    lua_isnoneornil(L: LuaState, idx: number): boolean;
    lua_toboolean(L: LuaState, idx: number): boolean;
    /** The bytes of a string or number (converting a number in place), or null. */
    lua_tolstring(L: LuaState, idx: number): Uint8Array | null;
    lua_tostring(L: LuaState, idx: number): Uint8Array | null;
    lua_tojsstring(L: LuaState, idx: number): string;
    lua_tonumber(L: LuaState, idx: number): number;
    lua_tonumberx(L: LuaState, idx: number, isnum?: boolean): number | false;
    lua_tointeger(L: LuaState, idx: number): number;
    lua_tointegerx(L: LuaState, idx: number, isnum?: boolean): number | false;
    lua_tothread(L: LuaState, idx: number): LuaState;
    lua_touserdata(L: LuaState, idx: number): unknown;
    lua_rawlen(L: LuaState, idx: number): number;
    lua_rawequal(L: LuaState, a: number, b: number): boolean;
    lua_stringtonumber(L: LuaState, s: Uint8Array): number;
    lua_pushnil(L: LuaState): void;
    lua_pushboolean(L: LuaState, b: boolean | number): void;
    lua_pushinteger(L: LuaState, n: number): void;
    lua_pushnumber(L: LuaState, n: number): void;
    lua_pushstring(L: LuaState, s: Uint8Array | null): Uint8Array;
    lua_pushlstring(L: LuaState, s: Uint8Array, len: number): Uint8Array;
    lua_pushliteral(L: LuaState, s: string): Uint8Array;
    lua_pushfstring(L: LuaState, fmt: Uint8Array | string, ...args: unknown[]): Uint8Array;
    lua_pushjsfunction(L: LuaState, f: LuaJsFunction): void;
    lua_pushjsclosure(L: LuaState, f: LuaJsFunction, n: number): void;
    lua_pushlightuserdata(L: LuaState, p: unknown): void;
    lua_pushthread(L: LuaState): boolean;
    lua_newtable(L: LuaState): void;
    lua_createtable(L: LuaState, narr: number, nrec: number): void;
    lua_newuserdata(L: LuaState, size: number): unknown;
    lua_newthread(L: LuaState): LuaState;
    lua_getglobal(L: LuaState, name: Uint8Array | string): number;
    lua_setglobal(L: LuaState, name: Uint8Array | string): void;
    lua_getfield(L: LuaState, idx: number, k: Uint8Array | string): number;
    lua_setfield(L: LuaState, idx: number, k: Uint8Array | string): void;
    lua_gettable(L: LuaState, idx: number): number;
    lua_settable(L: LuaState, idx: number): void;
    lua_geti(L: LuaState, idx: number, n: number): number;
    lua_seti(L: LuaState, idx: number, n: number): void;
    lua_rawget(L: LuaState, idx: number): number;
    lua_rawset(L: LuaState, idx: number): void;
    lua_rawgeti(L: LuaState, idx: number, n: number): number;
    lua_rawseti(L: LuaState, idx: number, n: number): void;
    lua_next(L: LuaState, idx: number): boolean;
    lua_len(L: LuaState, idx: number): void;
    lua_concat(L: LuaState, n: number): void;
    lua_getmetatable(L: LuaState, idx: number): boolean;
    lua_setmetatable(L: LuaState, idx: number): void;
    lua_call(L: LuaState, nargs: number, nresults: number): void;
    lua_pcall(L: LuaState, nargs: number, nresults: number, msgh: number): number;
    lua_load(L: LuaState, reader: unknown, data: unknown, chunkname: Uint8Array, mode: Uint8Array | null): number;
    lua_error(L: LuaState): never;
    lua_resume(L: LuaState, from: LuaState | null, nargs: number): number;
    lua_yield(L: LuaState, nresults: number): number;
    lua_isyieldable(L: LuaState): boolean;
    lua_pcallk(L: LuaState, nargs: number, nresults: number, msgh: number, ctx: number, k: (L: LuaState, status: number, ctx: number) => number): number;
    lua_status(L: LuaState): number;
    lua_sethook(L: LuaState, f: LuaHook | null, mask: number, count: number): void;
    lua_gc(L: LuaState, what: number, data: number): number;
    lua_atnativeerror(L: LuaState, f: LuaJsFunction): LuaJsFunction;
    readonly LUA_OPEQ: number; readonly LUA_OPLT: number; readonly LUA_OPLE: number;
    lua_compare(L: LuaState, a: number, b: number, op: number): boolean;
    lua_tocfunction(L: LuaState, idx: number): LuaJsFunction | null;
    /** Fills `ar` for the function `level` calls up the stack; false past the bottom. */
    lua_getstack(L: LuaState, level: number, ar: LuaDebugInfo): boolean;
    lua_getinfo(L: LuaState, what: Uint8Array | string, ar: LuaDebugInfo): boolean;
    readonly lua_Debug: new () => LuaDebugInfo;
  };
  /** lua_Debug as lua_getinfo fills it ('S': what, source; 'l': currentline). */
  export interface LuaDebugInfo { what: Uint8Array | null; source: Uint8Array | null; currentline: number }

  export const lauxlib: {
    luaL_newstate(): LuaState;
    luaL_loadbuffer(L: LuaState, buff: Uint8Array, size: number | null, name: Uint8Array | null): number;
    luaL_loadbufferx(L: LuaState, buff: Uint8Array, size: number | null, name: Uint8Array | null, mode: Uint8Array | null): number;
    luaL_loadstring(L: LuaState, s: Uint8Array): number;
    luaL_dostring(L: LuaState, s: Uint8Array): number;
    luaL_ref(L: LuaState, t: number): number;
    luaL_unref(L: LuaState, t: number, ref: number): void;
    luaL_error(L: LuaState, fmt: Uint8Array | string, ...args: unknown[]): never;
    luaL_argerror(L: LuaState, arg: number, extramsg: Uint8Array | string): never;
    luaL_argcheck(L: LuaState, cond: boolean, arg: number, extramsg: Uint8Array | string): void;
    luaL_checkany(L: LuaState, arg: number): void;
    luaL_checktype(L: LuaState, arg: number, t: number): void;
    luaL_checkinteger(L: LuaState, arg: number): number;
    luaL_optinteger(L: LuaState, arg: number, def: number): number;
    luaL_checknumber(L: LuaState, arg: number): number;
    luaL_optnumber(L: LuaState, arg: number, def: number): number;
    luaL_checklstring(L: LuaState, arg: number): Uint8Array;
    luaL_checkstring(L: LuaState, arg: number): Uint8Array;
    luaL_optlstring(L: LuaState, arg: number, def: Uint8Array | null): Uint8Array | null;
    luaL_optstring(L: LuaState, arg: number, def: Uint8Array | null): Uint8Array | null;
    luaL_checkstack(L: LuaState, sz: number, msg: Uint8Array | string | null): void;
    luaL_len(L: LuaState, idx: number): number;
    luaL_tolstring(L: LuaState, idx: number): Uint8Array;
    luaL_typename(L: LuaState, idx: number): Uint8Array;
    luaL_traceback(L: LuaState, L1: LuaState, msg: Uint8Array | null, level: number): void;
    luaL_where(L: LuaState, level: number): void;
    luaL_requiref(L: LuaState, modname: Uint8Array | string, openf: LuaJsFunction, glb: boolean | number): void;
    luaL_newlib(L: LuaState, l: Record<string, LuaJsFunction>): void;
    luaL_setfuncs(L: LuaState, l: Record<string, LuaJsFunction>, nup: number): void;
    luaL_newmetatable(L: LuaState, tname: Uint8Array | string): boolean;
    luaL_setmetatable(L: LuaState, tname: Uint8Array | string): void;
    luaL_getmetatable(L: LuaState, tname: Uint8Array | string): number;
    luaL_getsubtable(L: LuaState, idx: number, fname: Uint8Array | string): boolean;
  };

  export const lualib: {
    luaL_openlibs(L: LuaState): void;
    luaopen_base(L: LuaState): number;
    luaopen_table(L: LuaState): number;
    luaopen_string(L: LuaState): number;
    luaopen_math(L: LuaState): number;
    luaopen_coroutine(L: LuaState): number;
    luaopen_utf8(L: LuaState): number;
    luaopen_os(L: LuaState): number;
    luaopen_debug(L: LuaState): number;
  };

  export function to_luastring(s: string, cache?: boolean): Uint8Array;
  export function to_jsstring(s: Uint8Array, from?: number, to?: number, replacement_char?: boolean): string;
  export function luastring_eq(a: Uint8Array, b: Uint8Array): boolean;
}

// fengari's internal modules that script/vm-patches.ts (Lua 5.1's number text and numerals) and
// vm-stack.ts (stack slots emptied without `delete`) patch, and lua-bytes.ts uses.
declare module 'fengari/src/lobject.js' {
  /** A Lua value slot (lobject.js TValue). */
  export interface TValue {
    value: unknown;
    ttisinteger(): boolean;
    ttisfloat(): boolean;
    setfltvalue(x: number): void;
    setsvalue(ts: unknown): void;
    setfrom(other: TValue): void;
    setnilvalue(): void;
  }
  const lobject: {
    TValue: new (type: number, value: unknown) => TValue;
    luaO_tostring(L: unknown, obj: TValue): void;
    luaO_str2num(s: Uint8Array, o: TValue): number;
    pushsvalue2s(L: unknown, ts: unknown): void;
  };
  export default lobject;
}

declare module 'fengari/src/lstring.js' {
  const lstring: { luaS_bless(L: unknown, s: Uint8Array): unknown };
  export default lstring;
}

declare module 'fengari/src/ldo.js' {
  /** The parts of a lua_State (lstate.js) that ldo.js's stack functions touch. */
  export interface LuaStack {
    stack: (import('fengari/src/lobject.js').TValue | undefined)[];
    top: number;
    hookmask: number;
    ci: CallInfo;
  }
  export interface CallInfo {
    nresults: number;
    top: number;
    funcOff: number;
    previous: CallInfo;
    next: CallInfo | null;
  }
  const ldo: {
    adjust_top(L: LuaStack, newtop: number): void;
    luaD_poscall(L: LuaStack, ci: CallInfo, firstResult: number, nres: number): boolean;
  };
  export default ldo;
}

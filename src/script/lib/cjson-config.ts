// lua-cjson 2.1.0's settings (as Redis 7.0 builds it) and the functions that read and change them:
// encode_sparse_array, encode_max_depth, decode_max_depth, encode_number_precision,
// encode_keep_buffer, encode_invalid_numbers, decode_invalid_numbers. Each cjson table (cjson and
// every cjson.new()) has its own settings, as the C library keeps one config per module table.

import { lua, type LuaJsFunction, type LuaState } from 'fengari';
import { argError, checkInt51, latin1 } from './lua51.js';

export interface CjsonConfig {
  encodeSparseConvert: number;
  encodeSparseRatio: number;
  encodeSparseSafe: number;
  encodeMaxDepth: number;
  /** 0: refuse NaN/Inf, 1: write them ("nan", "inf"), 2: write "null". */
  encodeInvalidNumbers: number;
  encodeNumberPrecision: number;
  encodeKeepBuffer: number;
  decodeInvalidNumbers: number;
  decodeMaxDepth: number;
}

type IntegerSetting = 'encodeSparseRatio' | 'encodeSparseSafe' | 'encodeMaxDepth' | 'decodeMaxDepth' | 'encodeNumberPrecision';
type EnumSetting = 'encodeSparseConvert' | 'encodeKeepBuffer' | 'encodeInvalidNumbers' | 'decodeInvalidNumbers';

const INT_MAX = 2147483647;

export function defaultCjsonConfig(): CjsonConfig {
  return {
    encodeSparseConvert: 0,
    encodeSparseRatio: 2,
    encodeSparseSafe: 10,
    encodeMaxDepth: 1000,
    encodeInvalidNumbers: 0,
    encodeNumberPrecision: 14,
    encodeKeepBuffer: 1,
    decodeInvalidNumbers: 1,
    decodeMaxDepth: 1000,
  };
}

/** json_arg_init: at most `args` arguments, padded with nils. */
function argInit(L: LuaState, args: number): void {
  if (lua.lua_gettop(L) > args) argError(L, args + 1, 'found too many arguments');
  while (lua.lua_gettop(L) < args) lua.lua_pushnil(L);
}

/** json_integer_option: sets from argument `index` when given (the range error names argument 1, as in C). */
function integerOption(L: LuaState, index: number, config: CjsonConfig, key: IntegerSetting, min: number, max: number): void {
  if (!lua.lua_isnil(L, index)) {
    const value = checkInt51(L, index);
    if (value < min || value > max) argError(L, 1, `expected integer between ${min} and ${max}`);
    config[key] = value;
  }
  lua.lua_pushinteger(L, config[key]);
}

const BOOL_OPTIONS = ['off', 'on'] as const;

/** json_enum_option: a boolean or one of `options` by name; answers a boolean when the setting is one. */
function enumOption(L: LuaState, index: number, config: CjsonConfig, key: EnumSetting, options: readonly string[]): void {
  if (!lua.lua_isnil(L, index)) {
    if (lua.lua_type(L, index) === lua.LUA_TBOOLEAN) {
      config[key] = lua.lua_toboolean(L, index) ? 1 : 0;
    } else {
      config[key] = checkOption(L, index, options);
    }
  }
  const setting = config[key];
  if (setting === 0 || setting === 1) lua.lua_pushboolean(L, setting === 1);
  else lua.lua_pushliteral(L, options[setting] ?? '');
}

/** luaL_checkoption without a default. */
function checkOption(L: LuaState, index: number, options: readonly string[]): number {
  const name = lua.lua_type(L, index) === lua.LUA_TSTRING || lua.lua_type(L, index) === lua.LUA_TNUMBER;
  if (!name) {
    // luaL_checkstring's own complaint ("string expected, got table").
    argError(L, index, `string expected, got ${typeNameAt(L, index)}`);
  }
  const given = lua.lua_tolstring(L, index) ?? new Uint8Array(0);
  const nul = given.indexOf(0);
  const text = latin1(nul === -1 ? given : given.subarray(0, nul)); // C compares with strcmp
  const found = options.indexOf(text);
  if (found === -1) argError(L, index, "invalid option '", given, "'");
  return found;
}

function typeNameAt(L: LuaState, index: number): string {
  return latin1(lua.lua_typename(L, lua.lua_type(L, index)));
}

/** The settings functions of one cjson table, by their Lua names. */
export function cjsonConfigFunctions(config: CjsonConfig): Record<string, LuaJsFunction> {
  return {
    encode_sparse_array: (L) => {
      argInit(L, 3);
      enumOption(L, 1, config, 'encodeSparseConvert', BOOL_OPTIONS);
      integerOption(L, 2, config, 'encodeSparseRatio', 0, INT_MAX);
      integerOption(L, 3, config, 'encodeSparseSafe', 0, INT_MAX);
      return 3;
    },
    encode_max_depth: (L) => integerSetting(L, config, 'encodeMaxDepth', 1, INT_MAX),
    decode_max_depth: (L) => integerSetting(L, config, 'decodeMaxDepth', 1, INT_MAX),
    encode_number_precision: (L) => integerSetting(L, config, 'encodeNumberPrecision', 1, 14),
    encode_keep_buffer: (L) => enumSetting(L, config, 'encodeKeepBuffer', BOOL_OPTIONS),
    encode_invalid_numbers: (L) => enumSetting(L, config, 'encodeInvalidNumbers', ['off', 'on', 'null']),
    decode_invalid_numbers: (L) => enumSetting(L, config, 'decodeInvalidNumbers', BOOL_OPTIONS),
  };
}

function integerSetting(L: LuaState, config: CjsonConfig, key: IntegerSetting, min: number, max: number): number {
  argInit(L, 1);
  integerOption(L, 1, config, key, min, max);
  return 1;
}

function enumSetting(L: LuaState, config: CjsonConfig, key: EnumSetting, options: readonly string[]): number {
  argInit(L, 1);
  enumOption(L, 1, config, key, options);
  return 1;
}

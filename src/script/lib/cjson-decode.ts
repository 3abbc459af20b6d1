// cjson.decode as lua-cjson 2.1.0 in Redis 7.0 reads JSON: the text is a C string (a NUL byte ends
// it), numbers go through C's strtod (so hexadecimal, inf and nan pass while decode_invalid_numbers
// is on, as by default), "\uXXXX" escapes become UTF-8, null becomes cjson.null, and errors carry
// lua-cjson's wording and 1-based character positions. Numbers are pushed as 5.1 would see them.

import { lauxlib, lua, type LuaJsFunction, type LuaState } from 'fengari';
import { assert } from '../../lib/assert.js';
import type { CjsonConfig } from './cjson-config.js';
import { argError, checkStack51, JS_NESTING_MAX, pushNumber51, raise } from './lua51.js';
import { strtod } from './strtod.js';
import { pushBytes } from '../lua-bytes.js';

const enum T { ObjBegin, ObjEnd, ArrBegin, ArrEnd, String, Number, Boolean, Null, Colon, Comma, End, Whitespace, Error, Unknown }

const TOKEN_NAMES = ['T_OBJ_BEGIN', 'T_OBJ_END', 'T_ARR_BEGIN', 'T_ARR_END', 'T_STRING', 'T_NUMBER', 'T_BOOLEAN', 'T_NULL', 'T_COLON', 'T_COMMA', 'T_END', 'T_WHITESPACE', 'T_ERROR', 'T_UNKNOWN'];

interface Token {
  type: T;
  /** 0-based offset of the token (of the error, for T.Error). */
  index: number;
  number: number;
  boolean: boolean;
  bytes: Uint8Array;
  error: string;
}

/** ch2token in lua_cjson.c. */
const CH2TOKEN: readonly T[] = Array.from({ length: 256 }, (_, byte) => {
  const simple: Record<string, T> = { '{': T.ObjBegin, '}': T.ObjEnd, '[': T.ArrBegin, ']': T.ArrEnd, ',': T.Comma, ':': T.Colon, '\0': T.End, ' ': T.Whitespace, '\t': T.Whitespace, '\n': T.Whitespace, '\r': T.Whitespace };
  const char = String.fromCharCode(byte);
  if (simple[char] !== undefined) return simple[char];
  return 'fiInNt"+-0123456789'.includes(char) ? T.Unknown : T.Error;
});

/** escape2char in lua_cjson.c: the byte an escape stands for (0 = invalid, 'u' = unicode). */
const ESCAPE2CHAR: Readonly<Record<number, number>> = { 0x22: 0x22, 0x5c: 0x5c, 0x2f: 0x2f, 0x62: 8, 0x74: 9, 0x6e: 10, 0x66: 12, 0x72: 13, 0x75: 0x75 };

class Parser {
  at = 0;
  depth = 0;
  /** The text up to its first NUL: the C code reads a NUL-terminated string. */
  readonly data: Uint8Array;
  constructor(
    readonly L: LuaState,
    text: Uint8Array,
    readonly config: CjsonConfig,
  ) {
    const nul = text.indexOf(0);
    this.data = nul === -1 ? text : text.subarray(0, nul);
  }

  /** The byte at `i`, 0 past the end (where the C string's NUL is). */
  byte(i: number): number {
    return this.data[i] ?? 0;
  }

  startsWith(word: string): boolean {
    for (let i = 0; i < word.length; i++) if (this.byte(this.at + i) !== word.charCodeAt(i)) return false;
    return true;
  }
}

function newToken(): Token {
  return { type: T.End, index: 0, number: 0, boolean: false, bytes: new Uint8Array(0), error: '' };
}

function setError(token: Token, p: Parser, error: string): void {
  token.type = T.Error;
  token.index = p.at;
  token.error = error;
}

function hexDigit(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? 10 + lower - 0x61 : -1;
}

function decodeHex4(p: Parser, at: number): number {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    const digit = hexDigit(p.byte(at + i));
    if (digit < 0) return -1;
    value = (value << 4) | digit;
  }
  return value;
}

function codepointToUtf8(codepoint: number): number[] {
  if (codepoint <= 0x7f) return [codepoint];
  if (codepoint <= 0x7ff) return [(codepoint >> 6) | 0xc0, (codepoint & 0x3f) | 0x80];
  if (codepoint <= 0xffff) return [(codepoint >> 12) | 0xe0, ((codepoint >> 6) & 0x3f) | 0x80, (codepoint & 0x3f) | 0x80];
  return [(codepoint >> 18) | 0xf0, ((codepoint >> 12) & 0x3f) | 0x80, ((codepoint >> 6) & 0x3f) | 0x80, (codepoint & 0x3f) | 0x80];
}

/** json_append_unicode_escape: at points at the backslash; false on a bad escape. */
function appendUnicodeEscape(p: Parser, out: number[]): boolean {
  let codepoint = decodeHex4(p, p.at + 2);
  let escapeLength = 6;
  if (codepoint < 0) return false;
  if ((codepoint & 0xf800) === 0xd800) {
    if (codepoint & 0x400) return false;
    if (p.byte(p.at + 6) !== 0x5c || p.byte(p.at + 7) !== 0x75) return false;
    const low = decodeHex4(p, p.at + 8);
    if (low < 0 || (low & 0xfc00) !== 0xdc00) return false;
    codepoint = (((codepoint & 0x3ff) << 10) | (low & 0x3ff)) + 0x10000;
    escapeLength = 12;
  }
  out.push(...codepointToUtf8(codepoint));
  p.at += escapeLength;
  return true;
}

function nextStringToken(p: Parser, token: Token): void {
  p.at++;
  const out: number[] = [];
  for (let ch = p.byte(p.at); ch !== 0x22; ch = p.byte(p.at)) {
    if (ch === 0) return setError(token, p, 'unexpected end of string');
    if (ch === 0x5c) {
      const escaped = ESCAPE2CHAR[p.byte(p.at + 1)] ?? 0;
      if (escaped === 0x75) {
        if (appendUnicodeEscape(p, out)) continue;
        return setError(token, p, 'invalid unicode escape code');
      }
      if (escaped === 0) return setError(token, p, 'invalid escape code');
      ch = escaped;
      p.at++;
    }
    out.push(ch);
    p.at++;
  }
  p.at++;
  token.type = T.String;
  token.bytes = Uint8Array.from(out);
}

/** json_is_invalid_number: forms strtod takes that strict JSON does not. */
function isInvalidNumber(p: Parser): boolean {
  let at = p.at;
  if (p.byte(at) === 0x2b) return true;
  if (p.byte(at) === 0x2d) at++;
  const first = p.byte(at);
  if (first === 0x30) {
    const second = p.byte(at + 1);
    return (second | 0x20) === 0x78 || (second >= 0x30 && second <= 0x39);
  }
  if (first <= 0x39) return false;
  const word = String.fromCharCode(p.byte(at), p.byte(at + 1), p.byte(at + 2)).toLowerCase();
  return word === 'inf' || word === 'nan';
}

function nextNumberToken(p: Parser, token: Token): void {
  token.type = T.Number;
  const parsed = strtod(p.data, p.at);
  if (parsed.end === p.at) return setError(token, p, 'invalid number');
  token.number = parsed.value;
  p.at = parsed.end;
}

function nextToken(p: Parser, token: Token): void {
  let ch = p.byte(p.at);
  token.type = CH2TOKEN[ch] as T;
  while (token.type === T.Whitespace) {
    ch = p.byte(++p.at);
    token.type = CH2TOKEN[ch] as T;
  }
  token.index = p.at;
  if (token.type === T.Error) return setError(token, p, 'invalid token');
  if (token.type === T.End) return;
  if (token.type !== T.Unknown) {
    p.at++;
    return;
  }
  if (ch === 0x22) return nextStringToken(p, token);
  if (ch === 0x2d || (ch >= 0x30 && ch <= 0x39)) {
    if (!p.config.decodeInvalidNumbers && isInvalidNumber(p)) return setError(token, p, 'invalid number');
    return nextNumberToken(p, token);
  }
  for (const [word, type, value] of [['true', T.Boolean, true], ['false', T.Boolean, false], ['null', T.Null, false]] as const) {
    if (p.startsWith(word)) {
      token.type = type;
      token.boolean = value;
      p.at += word.length;
      return;
    }
  }
  if (p.config.decodeInvalidNumbers && isInvalidNumber(p)) return nextNumberToken(p, token);
  setError(token, p, 'invalid token');
}

/** The token's type, read afresh (nextToken changes it behind the type checker's back). */
function kind(token: Token): T {
  return token.type;
}

function parseError(p: Parser, expected: string, token: Token): never {
  const found = token.type === T.Error ? token.error : TOKEN_NAMES[token.type];
  return raise(p.L, `Expected ${expected} but found ${found} at character ${token.index + 1}`);
}

function descend(p: Parser, slots: number): void {
  p.depth++;
  if (p.depth <= p.config.decodeMaxDepth && p.depth <= JS_NESTING_MAX && checkStack51(p.L, slots)) return;
  raise(p.L, `Found too many nested data structures (${p.depth}) at character ${p.at}`);
}

function parseObject(p: Parser): void {
  const token = newToken();
  descend(p, 3);
  lua.lua_newtable(p.L);
  nextToken(p, token);
  if (kind(token) === T.ObjEnd) {
    p.depth--;
    return;
  }
  for (;;) {
    if (kind(token) !== T.String) parseError(p, 'object key string', token);
    pushBytes(p.L, token.bytes);
    nextToken(p, token);
    if (kind(token) !== T.Colon) parseError(p, 'colon', token);
    nextToken(p, token);
    processValue(p, token);
    lua.lua_rawset(p.L, -3);
    nextToken(p, token);
    if (kind(token) === T.ObjEnd) {
      p.depth--;
      return;
    }
    if (kind(token) !== T.Comma) parseError(p, 'comma or object end', token);
    nextToken(p, token);
  }
}

function parseArray(p: Parser): void {
  const token = newToken();
  descend(p, 2);
  lua.lua_newtable(p.L);
  nextToken(p, token);
  if (kind(token) === T.ArrEnd) {
    p.depth--;
    return;
  }
  for (let i = 1; ; i++) {
    processValue(p, token);
    lua.lua_rawseti(p.L, -2, i);
    nextToken(p, token);
    if (kind(token) === T.ArrEnd) {
      p.depth--;
      return;
    }
    if (kind(token) !== T.Comma) parseError(p, 'comma or array end', token);
    nextToken(p, token);
  }
}

function processValue(p: Parser, token: Token): void {
  switch (token.type) {
    case T.String:
      pushBytes(p.L, token.bytes);
      return;
    case T.Number:
      return pushNumber51(p.L, token.number);
    case T.Boolean:
      return lua.lua_pushboolean(p.L, token.boolean);
    case T.ObjBegin:
      return parseObject(p);
    case T.ArrBegin:
      return parseArray(p);
    case T.Null:
      return lua.lua_pushlightuserdata(p.L, null);
    default:
      return parseError(p, 'value', token);
  }
}

export function cjsonDecode(config: CjsonConfig): LuaJsFunction {
  return (L) => {
    if (lua.lua_gettop(L) !== 1) argError(L, 1, 'expected 1 argument');
    const data = lauxlib.luaL_checklstring(L, 1);
    if (data.length >= 2 && (data[0] === 0 || data[1] === 0)) raise(L, 'JSON parser does not support UTF-16 or UTF-32');
    const p = new Parser(L, data, config);
    const token = newToken();
    nextToken(p, token);
    processValue(p, token);
    nextToken(p, token);
    if (token.type !== T.End) parseError(p, 'the end', token);
    assert(p.depth === 0, `cjson.decode finished at depth ${p.depth}`);
    assert(p.at === p.data.length, 'cjson.decode ended before the end of the text');
    return 1;
  };
}

// Makes fengari's Lua 5.3 VM count and print numbers as Redis's Lua 5.1 does, for every Lua state in
// the process (Cairn runs Lua only for Redis scripts), once, when this module is first imported:
// - numerals and string → number coercions give floats, never integers: 5.1 has only doubles, and
//   fengari's integers are 32-bit (2147483647 + 1 would wrap to -2147483648);
// - tostring, `..` and lua_tolstring print every number with "%.14g" (5.1's LUAI_NUMFFORMAT), so
//   10/2 is "5", not "5.0", and 1e20 is "1e+20".
// The VM reads both functions from lobject's exports at each call, which is what makes them patchable.

import { Buffer } from 'node:buffer';
import lobject, { type TValue } from 'fengari/src/lobject.js';
import lstring from 'fengari/src/lstring.js';
import { to_luastring } from 'fengari';
import { formatLuaNumber } from './number-text.js';

const originalStr2num = lobject.luaO_str2num;

/** A hexadecimal integer numeral ("0x100000000", " -0XfF "): 5.1's strtod reads it as a double. */
const HEX_INTEGER = /^\s*(-?)0[xX]([0-9a-fA-F]+)\s*$/;

lobject.luaO_str2num = (s: Uint8Array, o: TValue): number => {
  const consumed = originalStr2num(s, o);
  if (consumed === 0 || !o.ttisinteger()) return consumed;
  // fengari's integers are 32-bit: a hex numeral past 2^31 has wrapped (0x100000000 read as 0).
  const hex = HEX_INTEGER.exec(Buffer.from(s).toString('latin1').replace(/\0$/, ''));
  o.setfltvalue(hex === null ? (o.value as number) : (hex[1] === '-' ? -1 : 1) * parseInt(hex[2] as string, 16));
  return consumed;
};

lobject.luaO_tostring = (L: unknown, obj: TValue): void => {
  obj.setsvalue(lstring.luaS_bless(L, to_luastring(formatLuaNumber(obj.value as number))));
};

/** Imported for its effect; the engine asserts it ran (tostring(10/2) is "5"). */
export const VM_PATCHED = true;

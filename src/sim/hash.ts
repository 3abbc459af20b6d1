// A short, stable fingerprint of bytes for the invariant checkers (FNV-1a, 32 bits, twice with
// different offsets), so logs and states compare cheaply while traces stay readable.

export function fingerprint(kind: number, data: Uint8Array): string {
  let a = 0x811c9dc5 ^ kind;
  let b = 0x01000193 ^ (data.length * 31);
  for (let i = 0; i < data.length; i++) {
    const byte = data[i] as number;
    a = Math.imul(a ^ byte, 0x01000193);
    b = Math.imul(b ^ byte, 0x5bd1e995) ^ (b >>> 13);
  }
  return `${(a >>> 0).toString(16).padStart(8, '0')}${(b >>> 0).toString(16).padStart(8, '0')}`;
}

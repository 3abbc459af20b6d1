// The value of a command's reply, independent of the wire protocol. kv/ produces these; resp/
// encodes them as RESP2 or RESP3 (a map becomes a flat array in RESP2, a double a bulk string,
// null a null bulk or null array). It lives in lib/ because both pure layers speak it.

export type Reply =
  | { readonly type: 'simple'; readonly value: string } // +OK
  | { readonly type: 'error'; readonly message: string } // -ERR ..., message includes the code prefix
  | { readonly type: 'integer'; readonly value: number | bigint }
  | { readonly type: 'bulk'; readonly value: Uint8Array }
  | { readonly type: 'null' } // RESP2 $-1, RESP3 _
  | { readonly type: 'nullArray' } // RESP2 *-1, RESP3 _ (EXEC aborted by WATCH)
  | { readonly type: 'nestedMap'; readonly entries: readonly (readonly [Reply, Reply])[] } // RESP3 %, RESP2 array of [key, value] arrays (XREAD)
  | { readonly type: 'array'; readonly items: readonly Reply[] }
  | { readonly type: 'set'; readonly items: readonly Reply[] } // RESP3 ~, RESP2 array
  | { readonly type: 'map'; readonly entries: readonly (readonly [Reply, Reply])[] } // RESP3 %, RESP2 flat array
  | { readonly type: 'pairs'; readonly entries: readonly (readonly [Reply, Reply])[] } // RESP3 array of 2-arrays, RESP2 flat array (HRANDFIELD WITHVALUES, ZRANGE WITHSCORES)
  | { readonly type: 'double'; readonly value: number } // RESP3 ,, RESP2 bulk string
  | { readonly type: 'boolean'; readonly value: boolean } // RESP3 #, RESP2 integer 1/0
  | { readonly type: 'verbatim'; readonly format: string; readonly value: string } // RESP3 =, RESP2 bulk
  | { readonly type: 'push'; readonly items: readonly Reply[] } // RESP3 > (out of band: pub/sub messages, invalidations), RESP2 array
  | { readonly type: 'replies'; readonly items: readonly Reply[] }; // several replies back to back: a command that answers more than once (SUBSCRIBE a b)

export const OK: Reply = Object.freeze({ type: 'simple', value: 'OK' });
export const NULL: Reply = Object.freeze({ type: 'null' });

export function errorReply(message: string): Reply {
  return { type: 'error', message };
}

export function integerReply(value: number | bigint): Reply {
  return { type: 'integer', value };
}

export function bulkReply(value: Uint8Array | string): Reply {
  return { type: 'bulk', value: typeof value === 'string' ? Buffer.from(value) : value };
}

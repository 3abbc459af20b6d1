// The snapshot form of collections: a type tag (collection.ts's TYPE_TAGS) chooses the decoder that
// reads the bytes the collection's own encode() wrote. Each value type registers its decoder here.

import { TYPE_TAGS, type Collection, type CollectionType } from './collection.js';
import { HashValue } from './hash/hash-value.js';
import { decodeList } from './list/codec.js';
import { ByteReader } from './reader.js';
import { SetValue } from './set/set-value.js';
import { decodeStream } from './stream/codec.js';
import { ByteWriter } from './writer.js';
import { decodeZSet } from './zset/codec.js';

type Decoder = (r: ByteReader) => Collection;

const DECODERS: ReadonlyMap<number, Decoder> = new Map<number, Decoder>([
  [TYPE_TAGS.hash, (r) => HashValue.decode(r)],
  [TYPE_TAGS.set, SetValue.decode],
  [TYPE_TAGS.list, decodeList],
  [TYPE_TAGS.zset, decodeZSet],
  [TYPE_TAGS.stream, decodeStream],
]);

/** The snapshot bytes of a collection (without its tag). */
export function encodeCollection(collection: Collection): Uint8Array {
  const out = new ByteWriter(64 + 16 * collection.size);
  collection.encode(out);
  return out.finish();
}

export function tagOf(type: CollectionType): number {
  return TYPE_TAGS[type];
}

/** Reads a collection of the tagged type from exactly `bytes`; throws CAIRN_CORRUPT if they are not one. */
export function decodeCollection(tag: number, bytes: Uint8Array): Collection {
  const r: ByteReader = new ByteReader(bytes, 'kv snapshot value');
  const decoder = DECODERS.get(tag);
  if (decoder === undefined) r.corrupt(`unknown value type tag ${tag}`);
  const collection = decoder(r);
  if (r.remaining !== 0) r.corrupt(`${r.remaining} trailing bytes in a ${collection.type}`);
  if (collection.size === 0 && collection.type !== 'stream') r.corrupt(`empty ${collection.type}`);
  return collection;
}

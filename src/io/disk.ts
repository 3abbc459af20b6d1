// The disk as storage/ sees it: files addressed by path, appended to, synced, read back, truncated,
// renamed and removed. runtime/ implements it on node:fs; sim/ implements it in memory with
// latency, faults, and crashes that drop whatever was not synced.
//
// Durability contract (both implementations keep it):
// - append() makes bytes visible to later reads of the same file, not durable.
// - sync() resolves once every byte appended to that file before the call survives a crash.
// - rename(), remove() and file creation are durable only after syncDir() on the parent folder.
// - A crash may keep any prefix of the unsynced appends of a file, possibly with the last one torn.

export interface DiskFile {
  readonly path: string;
  /** Size in bytes as seen by this handle, including unsynced appends. */
  sizeBytes(): number;
  /** Appends bytes at the end of the file. Not durable until sync() resolves. */
  append(data: Uint8Array): Promise<void>;
  /** Reads up to `length` bytes from `position`; the result is shorter only at the end of file. */
  read(position: number, length: number): Promise<Uint8Array>;
  /** fdatasync: every byte appended before this call is durable once it resolves. */
  sync(): Promise<void>;
  /** Cuts the file to `sizeBytes`. Durable after the next sync(). */
  truncate(sizeBytes: number): Promise<void>;
  close(): Promise<void>;
}

export interface DirLock {
  release(): Promise<void>;
}

export interface Disk {
  /** Opens a file for reading and appending, creating it (empty) when it does not exist. */
  openFile(path: string): Promise<DiskFile>;
  /** The whole file in a fresh buffer the caller owns, or undefined when it does not exist. */
  readFile(path: string): Promise<Uint8Array | undefined>;
  /** Names (not paths) of the entries of a folder; empty when the folder does not exist. */
  list(dir: string): Promise<string[]>;
  /** Creates a folder and any missing parents; the new folders survive a crash once it resolves. */
  mkdirp(dir: string): Promise<void>;
  /** Atomically replaces `to` with `from`. Durable after syncDir() of the parent folder. */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file; no error when it is already gone. */
  remove(path: string): Promise<void>;
  /** Makes creations, renames and removals in a folder durable. */
  syncDir(dir: string): Promise<void>;
  /** Takes the exclusive lock of a data folder; rejects with CairnError code CAIRN_LOCKED when held. */
  lock(dir: string): Promise<DirLock>;
}

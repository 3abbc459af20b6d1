// The shape of one row of the generated command table (redis-commands.ts): a command or
// subcommand's lowercase name, its ACL categories (comma-separated, without '@') and its key specs.

/** Key spec: flags (comma-separated, as COMMAND INFO names them), begin search, find keys. */
export type KeySpecRow = readonly [string, readonly (string | number)[], readonly (string | number)[]];
export type CommandRow = readonly [string, string, readonly KeySpecRow[]];

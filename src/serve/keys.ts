/**
 * API keys of `rsbench serve`: a file of `ID:SECRET` lines, and the constant-time check of a
 * bearer token against them. Only the ID of a key ever leaves this module (logs, limits).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";

/** Shortest secret accepted: 16 characters (about 96 bits from a base64 generator). */
export const MIN_SECRET_LENGTH = 16;

const ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const SECRET_PATTERN = /^[\x21-\x7e]+$/;

/** A key as the server keeps it: its ID and the sha256 digest of its secret (never the secret). */
interface StoredKey {
  readonly id: string;
  readonly digest: Buffer;
}

function digest(secret: string): Buffer {
  return createHash("sha256").update(secret, "utf8").digest();
}

/** The keys of a server, checked in constant time. */
export class KeyRing {
  private constructor(private readonly keys: readonly StoredKey[]) {}

  /** Parses the text of a keys file: one `ID:SECRET` per line; blank lines and `#` comments are skipped. */
  static parse(text: string, source = "keys file"): KeyRing {
    const keys: StoredKey[] = [];
    const ids = new Set<string>();
    const secrets = new Set<string>();
    text.split(/\r?\n/).forEach((raw, i) => {
      const line = raw.trim();
      if (line === "" || line.startsWith("#")) return;
      const where = `${source} line ${i + 1}`;
      const colon = line.indexOf(":");
      if (colon < 0) throw new RangeError(`${where}: expected ID:SECRET, got a line without ":"`);
      const id = line.slice(0, colon), secret = line.slice(colon + 1);
      if (!ID_PATTERN.test(id)) throw new RangeError(`${where}: expected an ID of 1 to 64 letters, digits and . _ -, got ${JSON.stringify(id)}`);
      if (secret.length < MIN_SECRET_LENGTH || !SECRET_PATTERN.test(secret)) {
        const space = /\s/.exec(secret);
        throw new RangeError(`${where}: the secret of key ${id} must be at least ${MIN_SECRET_LENGTH} printable characters without spaces, got ${secret.length} characters` +
          (space ? `, with ${space[0] === " " ? "a space" : "white space"} at character ${space.index + 1} (a secret is everything after the first ":")` : ""));
      }
      if (ids.has(id)) throw new RangeError(`${where}: key ID ${id} appears twice`);
      if (secrets.has(secret)) throw new RangeError(`${where}: key ${id} reuses the secret of another key`);
      ids.add(id);
      secrets.add(secret);
      keys.push({ id, digest: digest(secret) });
    });
    if (keys.length === 0) throw new RangeError(`${source}: expected at least one ID:SECRET line, got none`);
    return new KeyRing(keys);
  }

  /** Reads and parses a keys file. */
  static read(path: string): KeyRing {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      throw new RangeError(`cannot read keys file ${path}: ${(error as Error).message}`);
    }
    return KeyRing.parse(text, path);
  }

  /** Number of keys. */
  get size(): number {
    return this.keys.length;
  }

  /**
   * The ID of the key whose secret is `secret`, or null. Compares the sha256 digest of `secret`
   * with every key's digest (equal lengths, crypto.timingSafeEqual), without stopping at a match,
   * so the time depends on neither the secret nor which key it is.
   */
  identify(secret: string): string | null {
    const presented = digest(secret);
    let found: string | null = null;
    for (const key of this.keys) {
      if (timingSafeEqual(presented, key.digest) && found === null) found = key.id;
    }
    return found;
  }
}

/** The token of an `Authorization: Bearer TOKEN` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return m === null ? null : m[1];
}

/**
 * Sticky percentage buckets. A key's bucket is
 *   murmur3_x86_32(utf8(bucketKey), seed = murmur3_x86_32(utf8(flagKey), 0)) mod 10,000
 * and a rule at p% takes the keys whose bucket is below p * 100. The hash is the published
 * MurmurHash3 (x86, 32-bit), so another language reproduces a token's path from the flag key
 * and the token serial alone. Seeding with the flag key gives each flag its own split (10% of
 * one flag is not the same 10% of another), and raising a percentage only adds keys: a token
 * on the new path at 10% stays on it at 50%.
 */
export const BUCKETS = 10_000;

/** The seed for a flag's buckets, computed once per flag when the snapshot loads (its 32 bits, signed). */
export function flagSeed(flagKey: string): number {
  return hashChars(flagKey, 0, false);
}

export function bucketOf(seed: number, bucketKey: string): number {
  // the unsigned hash is often above 2^31, where `%` is a floating-point remainder (about half a
  // bucketing's cost); its two 16-bit halves keep every step a small integer, with the same result
  const h = hashChars(bucketKey, seed, false);
  return ((((h >>> 16) % BUCKETS) << 16) + (h & 0xffff)) % BUCKETS;
}

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** MurmurHash3 x86 32-bit of the key's UTF-8 bytes, unsigned. */
export function murmur3(text: string, seed: number): number {
  return hashChars(text, seed, false) >>> 0;
}

/**
 * The hash as a signed 32-bit integer (a small integer to the engine, unlike its unsigned value).
 * ASCII (every code and serial in practice) is its own UTF-8, seen in the same pass; a key with
 * any other character is hashed again as its UTF-8 bytes, each taken as one char code.
 */
function hashChars(key: string, seed: number, bytes: boolean): number {
  const length = key.length;
  let h = seed | 0;
  let high = 0;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    const b0 = key.charCodeAt(i);
    const b1 = key.charCodeAt(i + 1);
    const b2 = key.charCodeAt(i + 2);
    const b3 = key.charCodeAt(i + 3);
    high |= b0 | b1 | b2 | b3;
    let k = b0 | (b1 << 8) | (b2 << 16) | (b3 << 24);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = length & 3;
  if (tail > 0) {
    let k = key.charCodeAt(whole);
    high |= k;
    if (tail > 1) {
      const b1 = key.charCodeAt(whole + 1);
      high |= b1;
      k ^= b1 << 8;
    }
    if (tail > 2) {
      const b2 = key.charCodeAt(whole + 2);
      high |= b2;
      k ^= b2 << 16;
    }
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
  }
  if (high > 0x7f && !bytes) return hashChars(Buffer.from(key, 'utf8').toString('latin1'), seed, true);
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

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

/** The seed for a flag's buckets, computed once per flag when the snapshot loads. */
export function flagSeed(flagKey: string): number {
  return murmur3(flagKey, 0);
}

export function bucketOf(seed: number, bucketKey: string): number {
  return murmur3(bucketKey, seed) % BUCKETS;
}

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** MurmurHash3 x86 32-bit of the key's UTF-8 bytes, unsigned. */
export function murmur3(text: string, seed: number): number {
  // one char per UTF-8 byte; ASCII (every code and serial in practice) is that already
  const key = isAscii(text) ? text : Buffer.from(text, 'utf8').toString('latin1');
  const length = key.length;
  let h = seed >>> 0;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k =
      key.charCodeAt(i) | (key.charCodeAt(i + 1) << 8) | (key.charCodeAt(i + 2) << 16) | (key.charCodeAt(i + 3) << 24);
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
    if (tail > 1) k ^= key.charCodeAt(whole + 1) << 8;
    if (tail > 2) k ^= key.charCodeAt(whole + 2) << 16;
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function isAscii(key: string): boolean {
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) > 0x7f) return false;
  return true;
}

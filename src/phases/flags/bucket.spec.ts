import { BUCKETS, bucketOf, flagSeed, murmur3 } from './bucket.js';

describe('sticky buckets', () => {
  it('is the published MurmurHash3 x86 32-bit, over UTF-8 bytes', () => {
    expect(murmur3('', 0)).toBe(0);
    expect(murmur3('hello', 0)).toBe(0x248bfa47);
    expect(murmur3('The quick brown fox jumps over the lazy dog', 0x9747b28c)).toBe(0x2fa826cd);
    // a non-ASCII key hashes its UTF-8 bytes (reference values from an independent byte-wise implementation)
    expect(murmur3('héllo', 0)).toBe(3164577896);
    expect(murmur3('Ünïcödé-Ω', 42)).toBe(0xef041a2f);
  });

  it('buckets as the unsigned hash mod 10,000, hashes above 2^31 and non-ASCII keys included', () => {
    const keys = [...Array.from({ length: 2000 }, (_, i) => `T-${i}`), 'héllo', 'Ünïcödé-Ω', ''];
    for (const flag of ['enable_oem_mode', 'enable_assignment_runtime']) {
      const seed = flagSeed(flag);
      expect(seed >>> 0).toBe(murmur3(flag, 0));
      const high = keys.filter((key) => murmur3(key, seed) >= 2 ** 31);
      expect(high.length).toBeGreaterThan(500);
      for (const key of keys) expect(bucketOf(seed, key)).toBe(murmur3(key, seed) % BUCKETS);
    }
  });

  it('puts 10% of 10,000 token serials on the new path, within 1.5 points', () => {
    const seed = flagSeed('enable_oem_mode');
    const keys = Array.from({ length: 10_000 }, (_, i) => `T-${String(i + 1).padStart(6, '0')}`);
    const share = keys.filter((key) => bucketOf(seed, key) < BUCKETS / 10).length / keys.length;
    expect(Math.abs(share - 0.1)).toBeLessThanOrEqual(0.015);
  });

  it('keeps a key in when the percentage grows, and splits each flag its own way', () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `JOB-${i}`);
    const seed = flagSeed('enable_assignment_runtime');
    const at = (share: number) => new Set(keys.filter((key) => bucketOf(seed, key) < share * BUCKETS));
    const ten = at(0.1);
    const fifty = at(0.5);
    expect([...ten].every((key) => fifty.has(key))).toBe(true);
    const other = flagSeed('enable_oem_mode');
    const otherTen = new Set(keys.filter((key) => bucketOf(other, key) < BUCKETS / 10));
    const both = [...ten].filter((key) => otherTen.has(key)).length;
    // independent splits overlap on about 10% of 10%, not on all of it
    expect(both).toBeLessThan(ten.size / 3);
  });
});

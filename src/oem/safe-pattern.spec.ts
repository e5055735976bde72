import { SafePattern } from './safe-pattern.js';

const compile = (source: string) => {
  const check = SafePattern.check(source);
  if (!check.ok) throw new Error(check.problem);
  return check.pattern;
};

describe('SafePattern', () => {
  it('matches the whole barcode and reads ref, job and seq', () => {
    const p = compile('^OEM-(?P<ref>[A-Z0-9-]+)-S(?P<seq>\\d+)$');
    expect(p.match('OEM-PO-7-S3')).toEqual({ ref: 'PO-7', seq: 3 });
    expect(p.match('xOEM-PO-7-S3')).toBeNull();
    expect(compile('(?<job>J-\\d+)-\\d+').match('J-12-0001')).toEqual({ job: 'J-12' });
    expect(compile('J-(?P<job>\\d+)').match('J-12-0001')).toBeNull(); // no anchors needed: the whole input must match
    expect(compile('(?P<ref>\\w+)(-S(?P<seq>\\d+))?').match('PO1')).toEqual({ ref: 'PO1' });
    // a ticket group that took nothing names no ticket: no match, rather than a lookup of undefined
    expect(compile('OEM(-(?P<ref>\\w+))?').match('OEM')).toBeNull();
  });

  it('refuses what needs backtracking, what does not compile, and what is too long or too costly', () => {
    const problem = (source: string) => {
      const check = SafePattern.check(source);
      return check.ok ? null : check.problem;
    };
    expect(problem('(?P<ref>a)\\1')).toMatch(/does not compile/);
    expect(problem('(?P<ref>a)(?=b)')).toMatch(/does not compile/);
    expect(problem('(?P<ref>a')).toMatch(/does not compile/);
    expect(problem(`(?P<ref>${'a'.repeat(200)})`)).toMatch(/1 to 200 characters/);
    expect(problem('(?P<ref>(a{100}){20})')).toMatch(/does not compile as an RE2 pattern: .*invalid repeat count/);
    expect(problem('(?P<ref>(\\w{1,100}){10})')).toMatch(/too complex \(RE2 program size \d+ > 2000\)/);
    expect(problem('(?P<ref>x)(?P<seq>y)(?P<other>z)')).toMatch(/unknown groups other/);
  });

  it('runs classic catastrophic patterns in time linear in the input', () => {
    const time = (source: string, input: string) => {
      const p = compile(source);
      const started = performance.now();
      expect(p.match(input)).toBeNull();
      return performance.now() - started;
    };
    // a backtracking engine takes about 2^n steps on n a's followed by a mismatch
    for (const source of ['(?P<ref>(a+)+)', '(?P<ref>(a|aa)+)', '(?P<ref>(a|a?)+)b', '(?P<ref>(.*a){12})']) {
      expect(time(source, `${'a'.repeat(10_000)}!`)).toBeLessThan(1000);
    }
  });
});

import { RE2JS } from 're2js';

/** Longest accepted pattern; with RE2's program-size cap it bounds compile time and memory. */
export const MAX_PATTERN_LENGTH = 200;
/** RE2's approximate cost of a compiled program; counted repetitions such as `a{100}{100}` blow it up. */
const MAX_PROGRAM_SIZE = 2000;
const GROUPS = new Set(['ref', 'job', 'seq']);

/** What a rule's pattern captured from a barcode. */
export interface BarcodeMatch {
  ref?: string;
  job?: string;
  seq?: number;
}

export type PatternCheck = { ok: true; pattern: SafePattern } | { ok: false; problem: string };

/**
 * A barcode pattern matched by RE2JS, a port of RE2: an automaton, no backtracking, so any
 * pattern on any input runs in time linear in the input, and constructs that need
 * backtracking (backreferences, lookaround) do not compile at all. It is a pure-JS package,
 * so nothing native has to build on a factory server.
 */
export class SafePattern {
  private constructor(
    private readonly compiled: RE2JS,
    private readonly groups: ReadonlySet<string>,
  ) {}

  /** Validates a pattern for saving: syntax, length, cost and the named groups a rule may use. */
  static check(source: string): PatternCheck {
    if (source.length === 0 || source.length > MAX_PATTERN_LENGTH)
      return { ok: false, problem: `must be 1 to ${MAX_PATTERN_LENGTH} characters` };
    let compiled: RE2JS;
    try {
      compiled = RE2JS.compile(source);
    } catch (error) {
      return { ok: false, problem: `does not compile as an RE2 pattern: ${(error as Error).message}` };
    }
    if (compiled.programSize() > MAX_PROGRAM_SIZE)
      return {
        ok: false,
        problem: `is too complex (RE2 program size ${compiled.programSize()} > ${MAX_PROGRAM_SIZE})`,
      };
    const names = Object.keys(compiled.namedGroups());
    const unknown = names.filter((n) => !GROUPS.has(n));
    if (unknown.length > 0)
      return { ok: false, problem: `names unknown groups ${unknown.join(', ')}: use ref, job and seq only` };
    if (names.includes('ref') === names.includes('job'))
      return { ok: false, problem: 'must name the ticket with exactly one of the groups (?P<ref>...) or (?P<job>...)' };
    return { ok: true, pattern: new SafePattern(compiled, new Set(names)) };
  }

  /** The whole barcode must match; null when it does not, names no ticket, or `seq` is not a number. */
  match(barcode: string): BarcodeMatch | null {
    const m = this.compiled.matcher(barcode);
    if (!m.matches()) return null;
    const result: BarcodeMatch = {};
    if (this.groups.has('ref')) result.ref = m.group('ref') ?? undefined;
    if (this.groups.has('job')) result.job = m.group('job') ?? undefined;
    // an optional ticket group that took nothing names no ticket
    if (result.ref === undefined && result.job === undefined) return null;
    const seq = this.groups.has('seq') ? m.group('seq') : null;
    if (seq !== null) {
      if (!/^\d{1,9}$/.test(seq)) return null;
      result.seq = Number(seq);
    }
    return result;
  }
}

const cache = new Map<string, SafePattern>();
const CACHE_LIMIT = 1000;

/**
 * The compiled form of a saved (hence valid) pattern. Compiling is deterministic, so the
 * cache holds nothing another replica needs; it is cleared when it grows past its limit.
 */
export function compiledPattern(source: string): SafePattern {
  const cached = cache.get(source);
  if (cached) return cached;
  const check = SafePattern.check(source);
  if (!check.ok) throw new Error(`Stored pattern ${JSON.stringify(source)} ${check.problem}`);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(source, check.pattern);
  return check.pattern;
}

import type { FieldError } from '../../common/errors/domain-error.js';
import { BUCKETS, bucketOf, flagSeed } from './bucket.js';

/**
 * What a gated call knows about the work in hand. A spawn or a route knows the job, the node
 * and the token; a scan knows the station and the scanned serial; a sync knows nothing
 * (`NO_SCOPE`). `targetingKey` is the stable key the phase buckets by (OpenFeature's name).
 */
export interface FlagContext {
  readonly targetingKey?: string;
  readonly station?: string;
  readonly node?: string;
  readonly graph?: string;
  readonly product?: string;
  readonly customer?: string;
  readonly job?: string;
  readonly token?: string;
}

export const NO_SCOPE: FlagContext = Object.freeze({});

export const CONTEXT_ATTRIBUTES = [
  'targetingKey',
  'station',
  'node',
  'graph',
  'product',
  'customer',
  'job',
  'token',
] as const;
export type ContextAttribute = (typeof CONTEXT_ATTRIBUTES)[number];

/** A rule's scope dimension and the context attribute it is matched against. */
export const SCOPE_DIMENSIONS = {
  stations: 'station',
  nodes: 'node',
  graphs: 'graph',
  products: 'product',
  customers: 'customer',
  jobs: 'job',
} as const satisfies Record<string, ContextAttribute>;
export type ScopeDimension = keyof typeof SCOPE_DIMENSIONS;
export type FlagScope = Partial<Record<ScopeDimension, string[]>>;

/**
 * A scope, a percentage, or both. Within a dimension any listed value matches; across
 * dimensions all must. The percentage is the share of the matching work that takes the new
 * path, bucketed by `bucketBy` (the context's targetingKey unless named).
 */
export interface FlagRule {
  scope?: FlagScope;
  percentage?: number;
  bucketBy?: ContextAttribute;
}

/** OFREP's reasons, as the protocol defines them. */
export type EvaluationReason = 'STATIC' | 'TARGETING_MATCH' | 'SPLIT' | 'DEFAULT' | 'DISABLED';

export interface FlagEvaluation {
  readonly value: boolean;
  readonly reason: EvaluationReason;
}

// shared answers: an evaluation allocates nothing
const answer = (value: boolean, reason: EvaluationReason): FlagEvaluation => Object.freeze({ value, reason });
export const EVALUATIONS = {
  forcedOff: answer(false, 'DISABLED'),
  storedOff: answer(false, 'STATIC'),
  on: answer(true, 'STATIC'),
  matched: answer(true, 'TARGETING_MATCH'),
  splitIn: answer(true, 'SPLIT'),
  splitOut: answer(false, 'SPLIT'),
  noRuleMatched: answer(false, 'DEFAULT'),
} as const;

type Read = (context: FlagContext) => string | undefined;

// one small function per attribute: a property read the engine can inline, unlike context[name]
const READERS: Record<ContextAttribute, Read> = {
  targetingKey: (c) => c.targetingKey,
  station: (c) => c.station,
  node: (c) => c.node,
  graph: (c) => c.graph,
  product: (c) => c.product,
  customer: (c) => c.customer,
  job: (c) => c.job,
  token: (c) => c.token,
};

interface CompiledScope {
  read: Read;
  values: ReadonlySet<string>;
}

interface CompiledRule {
  scope: CompiledScope[];
  /** Buckets below this take the new path; -1 without a percentage. */
  below: number;
  bucketKey: Read;
}

/** A flag's rules, ready to evaluate in memory. */
export class CompiledRules {
  private readonly rules: CompiledRule[];
  private readonly seed: number;

  constructor(flagKey: string, rules: readonly FlagRule[]) {
    this.seed = flagSeed(flagKey);
    this.rules = rules.map((rule) => ({
      scope: Object.entries(rule.scope ?? {}).map(([dimension, values]) => ({
        read: READERS[SCOPE_DIMENSIONS[dimension as ScopeDimension]],
        values: new Set(values),
      })),
      below: rule.percentage === undefined ? -1 : Math.round(rule.percentage * (BUCKETS / 100)),
      bucketKey: READERS[rule.bucketBy ?? 'targetingKey'],
    }));
  }

  /**
   * The first rule whose scope matches decides; a percentage rule needs its bucketing key in
   * the context (work that cannot be bucketed is not matched by it). No match: off.
   */
  evaluate(context: FlagContext): FlagEvaluation {
    const rules = this.rules;
    for (let r = 0; r < rules.length; r++) {
      const rule = rules[r];
      if (!inScope(rule.scope, context)) continue;
      if (rule.below < 0) return EVALUATIONS.matched;
      const key = rule.bucketKey(context);
      if (key === undefined) continue;
      // hashed every time: a memo of seen keys made warm calls faster and a stream of new tokens 8x slower
      return bucketOf(this.seed, key) < rule.below ? EVALUATIONS.splitIn : EVALUATIONS.splitOut;
    }
    return EVALUATIONS.noRuleMatched;
  }
}

function inScope(scope: readonly CompiledScope[], context: FlagContext): boolean {
  for (let i = 0; i < scope.length; i++) {
    const value = scope[i].read(context);
    if (value === undefined || !scope[i].values.has(value)) return false;
  }
  return true;
}

export const MAX_RULES = 50;
const MAX_SCOPE_VALUES = 500;

/** Per-field messages for a rule list as sent by a client; empty when it is valid. */
export function ruleErrors(input: unknown, field = 'rules'): FieldError[] {
  const errors: FieldError[] = [];
  const fail = (at: string, message: string) => errors.push({ field: at, messages: [message] });
  if (!Array.isArray(input)) {
    fail(field, 'must be a list of rules');
    return errors;
  }
  if (input.length > MAX_RULES) fail(field, `at most ${MAX_RULES} rules`);
  input.forEach((rule: unknown, i) => {
    const at = `${field}.${i}`;
    if (!isRecord(rule)) {
      fail(at, 'must be an object with scope, percentage and/or bucketBy');
      return;
    }
    for (const key of Object.keys(rule))
      if (!['scope', 'percentage', 'bucketBy'].includes(key)) fail(`${at}.${key}`, 'is not a rule field');
    if (rule.scope === undefined && rule.percentage === undefined)
      fail(at, 'a rule needs a scope, a percentage, or both');
    if (rule.scope !== undefined) scopeErrors(rule.scope, `${at}.scope`, fail);
    const p = rule.percentage;
    if (p !== undefined && (typeof p !== 'number' || !(p >= 0 && p <= 100) || Math.round(p * 100) !== p * 100))
      fail(`${at}.percentage`, 'must be a number from 0 to 100 with at most two decimals');
    if (rule.bucketBy !== undefined) {
      if (!(CONTEXT_ATTRIBUTES as readonly unknown[]).includes(rule.bucketBy))
        fail(`${at}.bucketBy`, `must be one of ${CONTEXT_ATTRIBUTES.join(', ')}`);
      else if (p === undefined) fail(`${at}.bucketBy`, 'only a rule with a percentage buckets');
    }
  });
  return errors;
}

function scopeErrors(scope: unknown, at: string, fail: (at: string, message: string) => void): void {
  if (!isRecord(scope) || Object.keys(scope).length === 0) {
    fail(at, `must name at least one of ${Object.keys(SCOPE_DIMENSIONS).join(', ')}`);
    return;
  }
  for (const [dimension, values] of Object.entries(scope)) {
    if (!(dimension in SCOPE_DIMENSIONS)) {
      fail(`${at}.${dimension}`, `is not a scope; scopes are ${Object.keys(SCOPE_DIMENSIONS).join(', ')}`);
      continue;
    }
    const valid =
      Array.isArray(values) &&
      values.length > 0 &&
      values.length <= MAX_SCOPE_VALUES &&
      values.every((v) => typeof v === 'string' && v.trim() === v && v.length > 0 && v.length <= 100);
    if (!valid)
      fail(`${at}.${dimension}`, `must be 1 to ${MAX_SCOPE_VALUES} codes (1 to 100 characters, no spaces around)`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

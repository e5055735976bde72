import type { FieldError } from '../../common/errors/domain-error.js';
import { SCOPE_DIMENSIONS, type FlagRule, type FlagScope, type ScopeDimension } from '../flags/flag-rules.js';
import type { PhaseDefinition } from '../phase-definition.js';
import { GUARDRAIL_THRESHOLDS } from './guardrail-thresholds.js';

/**
 * One step of a rollout: the shadow alone, a scope (stations, nodes, ...), a percentage of all
 * work, or everything. It must run `minDurationMinutes` and see `minSample` new-path calls
 * (for the shadow: compared calls) before the guard may move on.
 */
export interface RolloutStage {
  kind: 'shadow' | 'scope' | 'percentage' | 'full';
  scope?: FlagScope;
  percentage?: number;
  minDurationMinutes: number;
  minSample: number;
}

/** What the phase's flags are set to for a stage. */
export interface StageSwitches {
  /** The phase's acting (non-shadow) flags. */
  acting: { enabled: boolean; rules: FlagRule[] };
  /** Its shadow flags: on during the shadow stage only. */
  shadow: { enabled: boolean };
}

export interface StageDefaults {
  minDurationMinutes: number;
  minSample: number;
}

const DURATION = /^(\d+)(m|h|d)$/;
const MINUTES = { m: 1, h: 60, d: 24 * 60 } as const;
const MAX_STAGES = 20;

/** "30m", "24h", "7d" in minutes; null when it is none of them. */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text.trim());
  if (!match) return null;
  return Number(match[1]) * MINUTES[match[2] as keyof typeof MINUTES];
}

// singular and plural both read: "station:ST-WELD" and "stations:ST-WELD"
const dimensionOf = (name: string): ScopeDimension | undefined =>
  (Object.keys(SCOPE_DIMENSIONS) as ScopeDimension[]).find((d) => d === name || d === `${name}s`);

/**
 * The compact syntax: comma-separated stages, each `shadow`, `<scope>:<code>[+<code>...]`,
 * `<n>%` or `100%`, optionally followed by `@<duration>` for that stage's own minimum
 * (`shadow@7d,station:ST-WELD,10%@48h,100%`). A shadow stage's default is the factory's week.
 */
export function parseStages(
  text: string,
  defaults: StageDefaults,
  phase: Pick<PhaseDefinition, 'number' | 'flags'>,
  field = 'stages',
): { stages: RolloutStage[]; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const fail = (at: string, message: string) => errors.push({ field: at, messages: [message] });
  const tokens = text.split(',').map((t) => t.trim());
  if (tokens.length > MAX_STAGES) fail(field, `at most ${String(MAX_STAGES)} stages`);
  const stages: RolloutStage[] = [];
  tokens.forEach((token, i) => {
    const at = `${field}.${String(i)}`;
    const [body, ...durations] = token.split('@');
    const own = durations.length === 0 ? undefined : parseDuration(durations[0]);
    if (durations.length > 1 || own === null) {
      fail(at, `"${token}": a stage's own minimum is one @<n>m, @<n>h or @<n>d`);
      return;
    }
    const stage = parseStage(body, at, fail);
    if (!stage) return;
    const minDurationMinutes =
      own ?? (stage.kind === 'shadow' ? GUARDRAIL_THRESHOLDS.shadow.minDurationMinutes : defaults.minDurationMinutes);
    stages.push({ ...stage, minDurationMinutes, minSample: defaults.minSample });
  });
  if (errors.length > 0) return { stages, errors };
  if (stages.length === 0 || text.trim() === '') fail(field, 'name at least one stage');
  if (stages.some((s, i) => s.kind === 'shadow' && i > 0)) fail(field, 'a shadow stage can only come first');
  if (stages.some((s, i) => s.kind === 'full' && i < stages.length - 1)) fail(field, '100% can only come last');
  if (stages[0]?.kind === 'shadow' && !phase.flags.some((f) => f.shadow === true))
    fail(field, `phase ${String(phase.number)} has no shadow flag: it cannot start in shadow`);
  const percentages = stages.filter((s) => s.kind === 'percentage').map((s) => s.percentage ?? 0);
  if (percentages.some((p, i) => i > 0 && p <= percentages[i - 1]))
    fail(field, 'percentages must grow from stage to stage');
  return { stages, errors };
}

function parseStage(
  body: string,
  at: string,
  fail: (at: string, message: string) => void,
): Pick<RolloutStage, 'kind' | 'scope' | 'percentage'> | null {
  if (body === 'shadow') return { kind: 'shadow' };
  const percent = /^(\d{1,3}(?:\.\d{1,2})?)%$/.exec(body);
  if (percent) {
    const percentage = Number(percent[1]);
    if (percentage <= 0 || percentage > 100) {
      fail(at, `"${body}": a percentage is above 0 and at most 100`);
      return null;
    }
    return percentage === 100 ? { kind: 'full' } : { kind: 'percentage', percentage };
  }
  const colon = body.indexOf(':');
  const dimension = colon > 0 ? dimensionOf(body.slice(0, colon)) : undefined;
  const codes = body.slice(colon + 1).split('+');
  if (!dimension || codes.some((c) => c.length === 0 || c.length > 100)) {
    fail(
      at,
      `"${body}": a stage is shadow, <n>%, or a scope <${Object.keys(SCOPE_DIMENSIONS).join('|')}>:<code>[+<code>...]`,
    );
    return null;
  }
  return { kind: 'scope', scope: { [dimension]: codes } };
}

/** The flags and rules a stage sets. */
export function switchesOf(stage: RolloutStage): StageSwitches {
  switch (stage.kind) {
    case 'shadow':
      return { acting: { enabled: false, rules: [] }, shadow: { enabled: true } };
    case 'scope':
      return { acting: { enabled: true, rules: [{ scope: stage.scope }] }, shadow: { enabled: false } };
    case 'percentage':
      return { acting: { enabled: true, rules: [{ percentage: stage.percentage }] }, shadow: { enabled: false } };
    case 'full':
      return { acting: { enabled: true, rules: [] }, shadow: { enabled: false } };
  }
}

/** A stage in words: "shadow", "stations ST-WELD", "10%", "100%". */
export function describeStage(stage: RolloutStage): string {
  switch (stage.kind) {
    case 'shadow':
      return 'shadow';
    case 'scope':
      return Object.entries(stage.scope ?? {})
        .map(([d, codes]) => `${d} ${codes.join('+')}`)
        .join(' and ');
    case 'percentage':
      return `${String(stage.percentage)}%`;
    case 'full':
      return '100%';
  }
}

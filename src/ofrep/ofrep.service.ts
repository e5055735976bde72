import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { CONTEXT_ATTRIBUTES, type FlagContext, type FlagEvaluation } from '../phases/flags/flag-rules.js';
import { FlagsService, FlagView } from '../phases/flags/flags.service.js';
import type { OfrepBulkEvaluationSuccess, OfrepEvaluationSuccess } from './ofrep.dto.js';

/** Phasegate's flags in the shape of the OpenFeature Remote Evaluation Protocol. */
@Injectable()
export class OfrepService {
  constructor(private readonly flags: FlagsService) {}

  /** null for an unknown key (answered FLAG_NOT_FOUND). */
  evaluate(key: string, context: Record<string, unknown> = {}): OfrepEvaluationSuccess | null {
    const flag = this.flags.list().find((f) => f.key === key);
    return flag ? this.toEvaluation(flag, flagContext(context)) : null;
  }

  /** Every flag for this context, with an ETag that changes exactly when an evaluated value does. */
  evaluateAll(context: Record<string, unknown> = {}): { body: OfrepBulkEvaluationSuccess; etag: string } {
    const work = flagContext(context);
    const flags = this.flags.list().map((flag) => this.toEvaluation(flag, work));
    const etag = `"${createHash('sha256').update(JSON.stringify(flags)).digest('base64url').slice(0, 27)}"`;
    return { body: { flags, metadata: { version: etag.replaceAll('"', '') } }, etag };
  }

  /** The same evaluation PhaseFallback makes, so a factory app sees the path the phase takes for the same work. */
  private toEvaluation(flag: FlagView, context: FlagContext): OfrepEvaluationSuccess {
    const { value, reason }: FlagEvaluation = this.flags.evaluate(flag.key, context);
    return {
      key: flag.key,
      value,
      reason,
      variant: value ? 'on' : 'off',
      metadata: { phase: flag.phase, stored: flag.enabled, forcedOff: flag.forcedOff, rules: flag.rules.length },
      cacheable: false,
    };
  }
}

/**
 * OpenFeature's context is the targetingKey beside flat attributes; those named like a rule's
 * context attributes (station, node, graph, product, customer, job, token) are used, numbers
 * as their decimal text. Others are ignored.
 */
function flagContext(context: Record<string, unknown>): FlagContext {
  const work: Record<string, string> = {};
  for (const name of CONTEXT_ATTRIBUTES) {
    const value = context[name];
    if (typeof value === 'string') work[name] = value;
    else if (typeof value === 'number' && Number.isFinite(value)) work[name] = String(value);
  }
  return work;
}

import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { FlagsService, FlagView } from '../phases/flags/flags.service.js';
import type { OfrepBulkEvaluationSuccess, OfrepEvaluationSuccess } from './ofrep.dto.js';

/** Phasegate's flags in the shape of the OpenFeature Remote Evaluation Protocol. */
@Injectable()
export class OfrepService {
  constructor(private readonly flags: FlagsService) {}

  /** null for an unknown key (answered FLAG_NOT_FOUND). */
  evaluate(key: string): OfrepEvaluationSuccess | null {
    const flag = this.flags.list().find((f) => f.key === key);
    return flag ? toEvaluation(flag) : null;
  }

  /** Every flag, with an ETag that changes exactly when an evaluated value does. */
  evaluateAll(): { body: OfrepBulkEvaluationSuccess; etag: string } {
    const flags = this.flags.list().map(toEvaluation);
    const etag = `"${createHash('sha256').update(JSON.stringify(flags)).digest('base64url').slice(0, 27)}"`;
    return { body: { flags, metadata: { version: etag.replaceAll('"', '') } }, etag };
  }
}

function toEvaluation(flag: FlagView): OfrepEvaluationSuccess {
  return {
    key: flag.key,
    value: flag.effective,
    reason: flag.forcedOff ? 'DISABLED' : 'STATIC',
    variant: flag.effective ? 'on' : 'off',
    metadata: { phase: flag.phase, stored: flag.enabled, forcedOff: flag.forcedOff },
    cacheable: false,
  };
}

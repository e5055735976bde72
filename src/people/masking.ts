import { createHmac } from 'node:crypto';
import type { MaskableField, MaskingStrategy } from './entities/masking-policy.entity.js';

export interface MaskingRule {
  strategy: MaskingStrategy;
  keepLast: number | null;
}

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/gu;

export type MaskingRules = ReadonlyMap<MaskableField, MaskingRule>;

/** Keyed, so that a phone number's hash cannot be found by hashing every phone number. */
export function keyedHash(key: string, text: string): string {
  return createHmac('sha256', key).update(text).digest('hex');
}

/**
 * Applies one field's rule. `mask` stars every letter and digit but the last `keepLast` of
 * them and leaves punctuation, so a masked phone or email keeps its shape and nothing else.
 */
export function maskField(value: string | null, rule: MaskingRule | undefined, hashKey: string): string | null {
  if (value === null || !rule) return value;
  switch (rule.strategy) {
    case 'keep':
      return value;
    case 'drop':
      return null;
    case 'hash':
      return keyedHash(hashKey, value);
    case 'mask': {
      const starred = (value.match(LETTER_OR_DIGIT) ?? []).length - (rule.keepLast ?? 0);
      let seen = 0;
      return value.replace(LETTER_OR_DIGIT, (c) => (seen++ < starred ? '*' : c));
    }
  }
}

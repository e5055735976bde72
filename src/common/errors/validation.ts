import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError, FieldError } from './domain-error.js';

/** Flattens nested class-validator errors into one entry per field path. */
export function fieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, messages: Object.values(e.constraints) }] : [];
    return [...own, ...fieldErrors(e.children ?? [], field)];
  });
}

/**
 * Names every object inherits (`constructor`, `__proto__`, `hasOwnProperty`, `toString`...).
 * class-transformer does not copy them onto the DTO, so the whitelist never sees them and
 * they would be dropped silently instead of refused like any other unknown field.
 */
const INHERITED_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

/** With the u flag a surrogate pair is one code point, so this matches lone surrogates only. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * What the whitelist cannot see in the raw input: fields named like Object's own members, and
 * text that is not well-formed UTF-16 (a lone surrogate, which the databases would store as a
 * replacement character), in values and in names alike.
 */
export function rawInputErrors(value: unknown, parent = ''): FieldError[] {
  if (typeof value === 'string')
    return LONE_SURROGATE.test(value)
      ? [{ field: parent, messages: [`${parent || 'value'} must not contain a lone UTF-16 surrogate`] }]
      : [];
  if (Array.isArray(value))
    return value.flatMap((item, i) => rawInputErrors(item, parent ? `${parent}.${i}` : String(i)));
  if (!value || typeof value !== 'object') return [];
  return Object.keys(value).flatMap((key) => {
    const field = parent ? `${parent}.${key}` : key;
    if (LONE_SURROGATE.test(key))
      return [
        {
          field: field.replace(/\p{Cs}/gu, '\uFFFD'),
          messages: ['a field name must not contain a lone UTF-16 surrogate'],
        },
      ];
    if (INHERITED_NAMES.has(key)) return [{ field, messages: [`property ${key} should not exist`] }];
    return rawInputErrors((value as Record<string, unknown>)[key], field);
  });
}

/**
 * Unknown fields are refused, not silently dropped, so a typo in a request is visible; and so
 * are the fields and text that rawInputErrors finds. All of them are reported together.
 */
class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const raw = metadata.type === 'custom' ? [] : rawInputErrors(value, metadata.data ?? '');
    try {
      const result: unknown = await super.transform(value, metadata);
      if (raw.length) throw DomainError.validation(raw);
      return result;
    } catch (error) {
      if (!raw.length || !(error instanceof DomainError) || error.details?.errors === raw) throw error;
      throw DomainError.validation([...raw, ...((error.details?.errors as FieldError[] | undefined) ?? [])]);
    }
  }
}

export function validationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => DomainError.validation(fieldErrors(errors)),
  });
}

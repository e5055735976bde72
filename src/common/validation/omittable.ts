import { ValidateIf } from 'class-validator';

/**
 * @IsOptional() for fields that may be left out but not set to null. class-validator's own
 * skips validation for null too, so `{"name": null}` would reach a NOT NULL column and fail
 * there as a 500; this skips only an absent property, and the field's other validators
 * refuse null with their per-field message. Keep @IsOptional() for fields where null means
 * something (clearing a value).
 */
export function Omittable(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined);
}

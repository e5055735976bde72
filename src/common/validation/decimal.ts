import { Transform } from 'class-transformer';

/** Largest id any table holds: a signed 32-bit INT on MySQL/MariaDB. */
export const MAX_ID = 2_147_483_647;

/**
 * A number written in a path or query string. Only decimal digits (with an optional minus)
 * become a number; `0x1`, `1e3`, `" 10"` or `"1.0"` stay text and fail @IsInt with a 400,
 * where `Number()` (which @DecimalInt() uses) would read them as 1, 1000 and 10.
 * Pair it with @Max: a long run of digits becomes a number too large for any range.
 */
export function DecimalInt(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value,
  );
}

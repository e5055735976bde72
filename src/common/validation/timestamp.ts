import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { ValidateBy } from 'class-validator';

/** What a DATETIME column holds on MySQL/MariaDB; a JavaScript Date reaches far beyond (year 275760). */
const EARLIEST = new Date('1000-01-01T00:00:00.000Z');
const LATEST = new Date('9999-12-31T23:59:59.999Z');
const RANGE = '$property must be a date from 1000-01-01 to 9999-12-31 (UTC)';
const FORMAT =
  '$property must be an ISO 8601 date and time with an offset or Z, such as 2030-03-05T08:00:00Z, on a day that exists';

/** Date, time to the minute at least, and an explicit offset: `2030-03-05T08:00:00.000+01:00`. */
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * The instant a strict ISO 8601 timestamp names, or undefined. `Date` reads far more (`"1"`,
 * `"Tue Mar 05 2030"` in the host's time zone) and rolls an impossible day over
 * (`2026-02-30` becomes March 2), so each field is checked before it is trusted.
 */
export function parseTimestamp(text: string): Date | undefined {
  const m = ISO_8601.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second, , offsetHours, offsetMinutes] = m
    .slice(1)
    .map((v: string | undefined) => Number(v ?? 0));
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    offsetHours > 23 ||
    offsetMinutes > 59
  )
    return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * A timestamp in a request: strict ISO 8601 with an offset or Z, a day that exists, and a
 * date the databases can store (`+010000-01-01` would be a database error, a 500, on MySQL
 * alone). Anything else is a 400 naming the field.
 */
export function IsTimestamp(): PropertyDecorator {
  return applyDecorators(
    // a value that does not parse stays as sent, and IsDate refuses it
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' ? (parseTimestamp(value) ?? value) : value,
    ),
    ValidateBy({
      name: 'isTimestamp',
      validator: {
        validate: (value: unknown) => value instanceof Date && value >= EARLIEST && value <= LATEST,
        defaultMessage: (args) => (args?.value instanceof Date ? RANGE : FORMAT),
      },
    }),
  );
}

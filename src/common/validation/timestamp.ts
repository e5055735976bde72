import { applyDecorators } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsDate, MaxDate, MinDate } from 'class-validator';

/** What a DATETIME column holds on MySQL/MariaDB; a JavaScript Date reaches far beyond (year 275760). */
const EARLIEST = new Date('1000-01-01T00:00:00.000Z');
const LATEST = new Date('9999-12-31T23:59:59.999Z');
const RANGE = '$property must be a date from 1000-01-01 to 9999-12-31 (UTC)';

/**
 * A timestamp in a request, ISO 8601: a date the databases cannot store (`+010000-01-01`)
 * is a 400 naming the field here, not a database error (a 500) on MySQL alone.
 */
export function IsTimestamp(): PropertyDecorator {
  return applyDecorators(Type(() => Date), IsDate(), MinDate(EARLIEST, { message: RANGE }), MaxDate(LATEST, { message: RANGE }));
}

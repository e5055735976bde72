import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsInt, Matches, Max, Min, ValidateNested } from 'class-validator';
import { Omittable } from '../../common/validation/omittable.js';

const TIME = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export class WeeklyWindowDto {
  @ApiProperty({ example: 1, minimum: 0, maximum: 6, description: '0 = Sunday' })
  @IsInt()
  @Min(0)
  @Max(6)
  weekday!: number;
  @ApiProperty({ example: '06:00', description: 'Local time (ASSIGNMENT_TIMEZONE), inclusive' })
  @Matches(TIME, { message: 'start must be HH:MM' })
  start!: string;
  @ApiProperty({ example: '14:00', description: 'Exclusive; 24:00 is midnight at the end of the day' })
  @Matches(TIME, { message: 'end must be HH:MM' })
  end!: string;
}

export class AvailabilityExceptionDto {
  @ApiProperty({ example: '2030-12-24' }) @Matches(DATE, { message: 'date must be YYYY-MM-DD' }) date!: string;
  @ApiPropertyOptional({ example: '00:00', description: 'Defaults to the whole day' })
  @Omittable()
  @Matches(TIME, { message: 'start must be HH:MM' })
  start?: string;
  @ApiPropertyOptional({ example: '24:00' }) @Omittable() @Matches(TIME, { message: 'end must be HH:MM' }) end?: string;
  @ApiProperty({ example: false, description: 'false: time off; true: an extra window' })
  @IsBoolean()
  available!: boolean;
}

/** A subject's whole schedule; with no weekly window at all it is always available. */
export class AvailabilityDto {
  @ApiProperty({ type: [WeeklyWindowDto] })
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => WeeklyWindowDto)
  weekly!: WeeklyWindowDto[];
  @ApiProperty({ type: [AvailabilityExceptionDto] })
  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => AvailabilityExceptionDto)
  exceptions!: AvailabilityExceptionDto[];
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsString,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  MASKABLE_FIELDS,
  MASKING_STRATEGIES,
  type MaskableField,
  type MaskingStrategy,
} from '../entities/masking-policy.entity.js';
import { PEOPLE_JOBS } from '../people-sync.service.js';
import { Omittable } from '../../common/validation/omittable.js';
import { JobRunSummaryDto } from '../../phases/dto/admin.dto.js';
import { IsTimestamp } from '../../common/validation/timestamp.js';
import { DecimalInt, MAX_ID } from '../../common/validation/decimal.js';

const JOB_NAMES = Object.values(PEOPLE_JOBS);
const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class PageQuery {
  @ApiPropertyOptional({ default: 100, maximum: 1000 })
  @Omittable()
  @DecimalInt()
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page (opaque)' })
  @Omittable()
  @IsString()
  @Length(1, 300)
  cursor?: string;
}

export class OperatorsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'true or false' })
  @Omittable()
  @Transform(toBoolean)
  @IsBoolean()
  active?: boolean;
  @ApiPropertyOptional({ example: 'E00042' }) @Omittable() @IsString() @Length(1, 50) employeeNo?: string;
}

export class AvailabilityQuery extends PageQuery {
  @ApiPropertyOptional({ description: "People's operator id", example: 'P000042' })
  @Omittable()
  @IsString()
  @Length(1, 64)
  operatorId?: string;
  @ApiPropertyOptional({ description: 'Entries ending after this time (ISO 8601)' })
  @Omittable()
  @IsTimestamp()
  from?: Date;
  @ApiPropertyOptional({ description: 'Entries starting before this time (ISO 8601)' })
  @Omittable()
  @IsTimestamp()
  to?: Date;
}

export class SyncErrorsQuery {
  @ApiPropertyOptional({ enum: JOB_NAMES }) @Omittable() @IsIn(JOB_NAMES) job?: string;
  @ApiPropertyOptional({ default: 100, maximum: 1000 })
  @Omittable()
  @DecimalInt()
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
  @ApiPropertyOptional({ description: 'Entries older than this id (the last id of the previous page)' })
  @Omittable()
  @DecimalInt()
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  before?: number;
}

export class RunSyncDto {
  @ApiProperty({ enum: JOB_NAMES, example: PEOPLE_JOBS.operators }) @IsIn(JOB_NAMES) job!: string;
}

export class MaskingRuleDto {
  @ApiProperty({ enum: MASKABLE_FIELDS }) @IsIn(MASKABLE_FIELDS) field!: MaskableField;
  @ApiProperty({
    enum: MASKING_STRATEGIES,
    description: 'keep as is, mask (star letters and digits), hash (keyed HMAC-SHA256), drop (store null)',
  })
  @IsIn(MASKING_STRATEGIES)
  strategy!: MaskingStrategy;
  @ApiPropertyOptional({ description: 'For mask: trailing letters and digits left readable', minimum: 0, maximum: 8 })
  @Omittable()
  @IsInt()
  @Min(0)
  @Max(8)
  keepLast?: number;
}

export class UpdateMaskingPoliciesDto {
  @ApiProperty({ type: [MaskingRuleDto], description: 'Fields not listed keep their rule' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MASKABLE_FIELDS.length)
  @ValidateNested({ each: true })
  @Type(() => MaskingRuleDto)
  policies!: MaskingRuleDto[];
}

export class MaskingPolicyDto {
  @ApiProperty({ enum: MASKABLE_FIELDS }) field!: string;
  @ApiProperty({ enum: MASKING_STRATEGIES }) strategy!: string;
  @ApiProperty({ type: Number, nullable: true }) keepLast!: number | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Null for a field with no stored rule (kept)',
  })
  updatedAt!: Date | null;
  @ApiProperty({ type: String, nullable: true }) updatedBy!: string | null;
}

export class MaskingPoliciesDto {
  @ApiProperty({ type: [MaskingPolicyDto] }) policies!: MaskingPolicyDto[];
  @ApiProperty({ type: [String], description: 'Fields this request changed' }) changed!: string[];
  @ApiProperty({ description: 'The next operator sync re-ingests everything under the current policy' })
  nextOperatorSyncFull!: boolean;
}

export class PeopleOperatorDto {
  @ApiProperty({ example: 'P000042' }) id!: string;
  @ApiProperty({ example: 'E00042', description: 'Matches the local account code' }) employeeNo!: string;
  @ApiProperty({ type: String, nullable: true }) name!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'As masked at ingest',
    example: '***.********.**@******.*******',
  })
  email!: string | null;
  @ApiProperty({ type: String, nullable: true, example: '+*-***-***-0042' }) phone!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Null under the default policy (dropped)' }) nationalId!:
    string | null;
  @ApiProperty({ type: [String] }) teamIds!: string[];
  @ApiProperty({ type: [String] }) skills!: string[];
  @ApiProperty() active!: boolean;
  @ApiProperty({ type: String, format: 'date-time', description: "People's updated_at" }) sourceUpdatedAt!: Date;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'The last full sync that confirmed this operator',
  })
  fullSyncedAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time' }) fetchedAt!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) expiresAt!: Date;
}

export class PeopleTeamDto {
  @ApiProperty({ example: 'T001' }) id!: string;
  @ApiProperty({ example: 'TEAM-001', description: 'Matches the local team code' }) code!: string;
  @ApiProperty() name!: string;
  @ApiProperty() active!: boolean;
  @ApiProperty({ type: String, format: 'date-time' }) fetchedAt!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) expiresAt!: Date;
}

export class PeopleAvailabilityDto {
  @ApiProperty() id!: string;
  @ApiProperty({ description: "People's operator id" }) operatorId!: string;
  @ApiProperty({ enum: ['shift', 'leave'] }) kind!: string;
  @ApiProperty({ type: String, format: 'date-time' }) startsAt!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) endsAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', description: 'Start of the sync window the entry was fetched in' })
  windowStart!: Date;
  @ApiProperty({ type: String, format: 'date-time', description: 'End of that window' }) windowEnd!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) fetchedAt!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) expiresAt!: Date;
}

export class PeopleOperatorPageDto {
  @ApiProperty({ type: [PeopleOperatorDto] }) items!: PeopleOperatorDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class PeopleTeamPageDto {
  @ApiProperty({ type: [PeopleTeamDto] }) items!: PeopleTeamDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class PeopleAvailabilityPageDto {
  @ApiProperty({ type: [PeopleAvailabilityDto] }) items!: PeopleAvailabilityDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class SyncErrorDto {
  @ApiProperty() id!: number;
  @ApiProperty() jobName!: string;
  @ApiProperty({ type: String, nullable: true, description: "People's record id; null when the whole run failed" })
  recordId!: string | null;
  @ApiProperty({ description: 'Field names and reasons only, never values' }) error!: string;
  @ApiProperty({ type: String, nullable: true, description: 'HMAC-SHA256 of the raw record (hex)' }) payloadHash!:
    string | null;
  @ApiProperty({ type: String, format: 'date-time' }) occurredAt!: Date;
}

export class CacheStateDto {
  @ApiProperty() table!: string;
  @ApiProperty() rows!: number;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: "The oldest row's last fetch or confirmation",
  })
  fetchedAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the first row expires' })
  expiresAt!: Date | null;
  @ApiProperty({ type: Number, nullable: true }) ageMs!: number | null;
  @ApiProperty({ enum: ['fresh', 'stale', 'empty'] }) state!: string;
}

export class SyncJobStatusDto {
  @ApiProperty({ enum: JOB_NAMES }) job!: string;
  @ApiProperty() description!: string;
  @ApiProperty() cron!: string;
  @ApiProperty() running!: boolean;
  @ApiProperty({ description: 'Stopped by a rollback or an operator' }) stopped!: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) nextRun!: Date | null;
  @ApiProperty({ type: JobRunSummaryDto, nullable: true }) lastRun!: JobRunSummaryDto | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastSuccessAt!: Date | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Operators only: the next incremental run asks for changes since this time',
  })
  watermark!: Date | null;
  @ApiProperty({ type: Boolean, nullable: true, description: 'Operators only: whether the next run is a full one' })
  nextRunFull!: boolean | null;
  @ApiProperty({ type: CacheStateDto }) cache!: CacheStateDto;
}

export class SyncStatusDto {
  @ApiProperty({ example: 'enable_people_integration_readonly' }) flag!: string;
  @ApiProperty() flagEnabled!: boolean;
  @ApiProperty({ type: [SyncJobStatusDto] }) jobs!: SyncJobStatusDto[];
}

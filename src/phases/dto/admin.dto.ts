import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { READ_ONLY_HOLD, type JobHold } from '../jobs/job-hold.js';
import { FlagViewDto } from './flag.dto.js';

/** The response bodies of the admin API (phases, jobs, rollbacks), as the document shows them. */

export class JobRunSummaryDto {
  @ApiProperty() id!: number;
  @ApiProperty({ example: 'people-sync-operators' }) jobName!: string;
  @ApiProperty() phase!: number;
  @ApiProperty({ enum: ['running', 'succeeded', 'failed'] }) status!: string;
  @ApiProperty({ enum: ['schedule', 'manual'] }) triggeredBy!: string;
  @ApiProperty() owner!: string;
  @ApiProperty({ type: String, format: 'date-time' }) startedAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt!: Date | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    nullable: true,
    example: { fetched: 2000, upserted: 1990, rejected: 10, deactivated: 0, full: 1 },
  })
  counts!: Record<string, number> | null;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
}

export class JobStatusDto {
  @ApiProperty({ example: 'people-sync-operators' }) name!: string;
  @ApiProperty() phase!: number;
  @ApiProperty() description!: string;
  @ApiProperty({ example: '0 */5 * * * *' }) cron!: string;
  @ApiProperty({ description: 'The flag a tick needs on' }) flag!: string;
  @ApiProperty({ description: 'Stopped on every replica' }) stopped!: boolean;
  @ApiProperty({ description: 'A replica holds its lease now' }) running!: boolean;
  @ApiProperty({ type: String, nullable: true }) leaseHolder!: string | null;
  @ApiProperty({ type: JobRunSummaryDto, nullable: true }) lastRun!: JobRunSummaryDto | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) nextRun!: Date | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: READ_ONLY_HOLD,
    description:
      'What keeps this replica from running the job whatever its flag and stop say: "read-only mode" when the replica runs with APP_MODE=readonly (no tick runs, nothing is written); null otherwise',
  })
  heldBy!: JobHold | null;
}

export class StopResultDto {
  @ApiProperty({ description: 'How long the stop waited for a run in flight' }) waitedMs!: number;
  @ApiProperty({ description: 'The run in flight did not finish within JOB_STOP_WAIT_MS' }) stillRunning!: boolean;
}

const ROLLBACK_KINDS = ['phase', 'to-phase', 'emergency', 'roll-forward'];

export class RollbackStepDto {
  @ApiProperty({ type: Number, nullable: true, description: 'null: every phase at once (emergency)' }) phase!:
    number | null;
  @ApiProperty({
    enum: [
      'disable-flags',
      'stop-jobs',
      'backup',
      'revert-schema',
      'verify-legacy',
      'full-backup',
      'migrate-schema',
      'enable-flags',
      'resume-jobs',
      'log',
    ],
    description: 'A roll-forward runs full-backup (when asked), migrate-schema, enable-flags, resume-jobs, log',
  })
  name!: string;
  @ApiProperty({ enum: ['pending', 'running', 'done', 'failed', 'skipped'] }) status!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) startedAt!: string | null;
  @ApiProperty({ type: Number, nullable: true }) durationMs!: number | null;
  @ApiProperty({ type: String, nullable: true }) detail!: string | null;
}

export class RollbackSummaryDto {
  @ApiProperty() id!: number;
  @ApiProperty({ enum: ROLLBACK_KINDS, description: 'roll-forward: `phases enable` bringing a phase back' })
  kind!: string;
  @ApiProperty({ type: [Number], description: 'In the order they were rolled back' }) phases!: number[];
  @ApiProperty({ enum: ['running', 'completed', 'failed', 'superseded'] }) status!: string;
  @ApiProperty() reason!: string;
  @ApiProperty() actor!: string;
  @ApiProperty({ type: String, format: 'date-time' }) startedAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt!: Date | null;
  @ApiProperty({ type: Number, nullable: true }) durationMs!: number | null;
  @ApiProperty({ description: 'Rows were dropped that no backup keeps' }) dataLoss!: boolean;
  @ApiProperty({
    type: String,
    enum: ['cli', 'api', 'lean-emergency', 'guard'],
    nullable: true,
    description:
      "The path that ran it: the admin CLI, the REST API (the console included), the CLI's lean emergency path, or the rollout guard (a guardrail breached); null when logged before the method was recorded",
  })
  method!: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description:
      'When `phases enable` last brought one of its phases fully back (a shadow-only enable does not count); null while off. Not set on roll-forward entries',
  })
  reEnabledAt!: Date | null;
}

export class RollbackRecordDto extends RollbackSummaryDto {
  @ApiProperty() revertSchema!: boolean;
  @ApiProperty() backup!: boolean;
  @ApiProperty({ type: String, nullable: true }) requestId!: string | null;
  @ApiProperty({
    type: [String],
    description: 'What went wrong without stopping the rollback (a webhook, a legacy check)',
  })
  issues!: string[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'How it was resolved; written later (PATCH), which sends the RESOLVED notice',
  })
  resolution!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'What caused it; written with the resolution' })
  rootCause!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'How it ended; written with the resolution' })
  outcome!: string | null;
  @ApiProperty({ type: [RollbackStepDto] }) steps!: RollbackStepDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Directory of the backup taken, if any' }) backupLocation!:
    string | null;
}

class PlanJobDto {
  @ApiProperty() name!: string;
  @ApiProperty() stopped!: boolean;
  @ApiProperty() running!: boolean;
}

export class InFlightDto {
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Units of work in progress that a rollback would interrupt; null when the phase cannot tell',
  })
  count!: number | null;
  @ApiProperty() description!: string;
}

class TablePlanDto {
  @ApiProperty() table!: string;
  @ApiPropertyOptional({ description: 'Set when the phase owns a column of another table' }) column?: string;
  @ApiProperty() rebuildable!: boolean;
  @ApiProperty() exists!: boolean;
  @ApiProperty() holdsData!: boolean;
  @ApiProperty({ type: Number, nullable: true }) rows!: number | null;
  @ApiProperty({ enum: ['keep', 'absent', 'drop', 'back up, then drop', 'refused'] }) action!: string;
  @ApiProperty() note!: string;
}

class PhasePlanDto {
  @ApiProperty() phase!: number;
  @ApiProperty() key!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ enum: ['none', 'low', 'medium', 'high'] }) dataLossRisk!: string;
  @ApiProperty() legacyFallback!: string;
  @ApiProperty({ enum: ['applied', 'reverted', 'partial'] }) schema!: string;
  @ApiProperty({ type: [String] }) flagsOn!: string[];
  @ApiProperty({ type: [PlanJobDto] }) jobs!: PlanJobDto[];
  @ApiProperty({ type: InFlightDto, nullable: true }) inFlight!: InFlightDto | null;
  @ApiProperty({ type: [TablePlanDto] }) tables!: TablePlanDto[];
}

/** A full-database backup as its record in full_backup holds it. */
export class FullBackupDto {
  @ApiProperty() id!: number;
  @ApiProperty({ description: 'The backup file on the server (its manifest.json lies beside it)' }) location!: string;
  @ApiProperty({ enum: ['sqlite', 'mysql'] }) dialect!: string;
  @ApiProperty() bytes!: number;
  @ApiProperty({ description: 'sha256 of the file, as read back after writing' }) sha256!: string;
  @ApiProperty() actor!: string;
  @ApiProperty({ type: String, nullable: true }) reason!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) verifiedAt!: Date;
  @ApiProperty({ description: 'Whole seconds since it was taken, when the plan was made' }) ageSeconds!: number;
}

export class RollbackPlanDto {
  @ApiProperty({ enum: ROLLBACK_KINDS }) kind!: string;
  @ApiProperty({ type: [Number] }) phases!: number[];
  @ApiProperty() revertSchema!: boolean;
  @ApiProperty() backup!: boolean;
  @ApiProperty({ type: String, nullable: true }) backupDir!: string | null;
  @ApiProperty({ description: 'A full-database backup is taken before the first step' }) fullBackup!: boolean;
  @ApiProperty({
    type: FullBackupDto,
    nullable: true,
    description: 'The latest verified full-database backup and its age; null when none was ever taken',
  })
  lastFullBackup!: FullBackupDto | null;
  @ApiProperty({ type: [RollbackStepDto], description: 'Every step, pending' }) steps!: RollbackStepDto[];
  @ApiProperty({ type: [PhasePlanDto] }) phasePlans!: PhasePlanDto[];
  @ApiProperty({
    description: 'Rows would be dropped that no backup keeps (rebuildable data, reverted without backup)',
  })
  dataLoss!: boolean;
  @ApiProperty({ type: [String], description: 'Why the rollback would be refused; empty when it would run' })
  refusals!: string[];
}

class MigrationStateDto {
  @ApiProperty() name!: string;
  @ApiProperty() applied!: boolean;
}

class SchemaStatusDto {
  @ApiProperty({ enum: ['applied', 'reverted', 'partial'] }) state!: string;
  @ApiProperty({ type: [MigrationStateDto] }) migrations!: MigrationStateDto[];
}

class TableStatusDto {
  @ApiProperty() name!: string;
  @ApiProperty() rebuildable!: boolean;
  @ApiProperty() exists!: boolean;
  @ApiProperty({ type: Number, nullable: true }) rows!: number | null;
}

class ColumnStatusDto {
  @ApiProperty() table!: string;
  @ApiProperty() column!: string;
  @ApiProperty() rebuildable!: boolean;
  @ApiProperty() exists!: boolean;
}

export class RetentionTableDto {
  @ApiProperty({ example: 'token_event' }) table!: string;
  @ApiProperty({ type: Number, nullable: true, description: 'Owning phase; null for the core' }) phase!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Days kept; null when retention is off' }) days!:
    number | null;
  @ApiProperty({ description: "Set by RETENTION_DAYS rather than the owner's default" }) configured!: boolean;
  @ApiProperty({ description: 'Rows are archived (verified) before they are deleted' }) archive!: boolean;
  @ApiProperty({ description: 'Which rows may go, in words' }) eligible!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Why it is kept whole by default' }) offBecause!:
    string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Null when the table does not exist' }) rows!:
    number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Bytes on disk, when the database tells' }) bytes!:
    number | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) oldest!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Null when off or unscheduled' })
  nextPurge!: Date | null;
}

export class PhaseStatusDto {
  @ApiProperty({ example: 9 }) number!: number;
  @ApiProperty({ example: 'people' }) key!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ enum: ['none', 'low', 'medium', 'high'] }) dataLossRisk!: string;
  @ApiProperty() legacyFallback!: string;
  @ApiProperty({ type: [FlagViewDto] }) flags!: FlagViewDto[];
  @ApiProperty({ type: [JobStatusDto] }) jobs!: JobStatusDto[];
  @ApiProperty({ type: SchemaStatusDto }) schema!: SchemaStatusDto;
  @ApiProperty({ type: [TableStatusDto] }) tables!: TableStatusDto[];
  @ApiProperty({ type: [ColumnStatusDto] }) columns!: ColumnStatusDto[];
  @ApiProperty({ type: [RetentionTableDto] }) retention!: RetentionTableDto[];
  @ApiProperty({ type: InFlightDto }) inFlight!: InFlightDto;
  @ApiProperty({ type: RollbackSummaryDto, nullable: true }) lastRollback!: RollbackSummaryDto | null;
}

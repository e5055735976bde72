import { Module } from '@nestjs/common';
import { InjectDataSource, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, MigrationInterface, QueryRunner, Table, TableColumn } from 'typeorm';
import type { AppExtras } from '../../src/app.module.js';
import { datetimeColumn, dialectOf, toDbTime } from '../../src/database/dialect.js';
import { dropPhaseSchema, phaseSchema } from '../../src/phases/guard/migration-guard.js';
import { Phase, PhaseDefinition, JobRunContext } from '../../src/phases/phase-definition.js';
import { PhaseFallback } from '../../src/phases/fallback/phase-fallback.service.js';
import { NO_SCOPE } from '../../src/phases/flags/flag-rules.js';
import { PhasesModule } from '../../src/phases/phases.module.js';

/**
 * Two small phases for testing the framework without the real ones: 91 owns a log table
 * (not rebuildable), a cache (rebuildable), a column on a core table and a job that writes
 * one log row per run; 92 owns one table. Their migrations come after every real one.
 */
export const SAMPLE_JOB = 'sample-tick';

/** Declared once, used by the definitions and by the guarded down() of their migrations. */
export const SAMPLE91_SCHEMA = phaseSchema(
  91,
  [
    { name: 'sample_log', rebuildable: false },
    { name: 'sample_cache', rebuildable: true },
  ],
  [{ table: 'api_key', column: 'sample_note', key: 'id', rebuildable: false }],
);
export const SAMPLE92_SCHEMA = phaseSchema(92, [{ name: 'sample2_data', rebuildable: false }]);

export class Phase91Sample1799000000000 implements MigrationInterface {
  async up(qr: QueryRunner): Promise<void> {
    const dt = datetimeColumn(dialectOf(qr));
    await qr.createTable(
      new Table({
        name: 'sample_log',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'note', type: 'varchar', length: '200' },
          { name: 'created_at', ...dt },
        ],
      }),
      true,
    );
    await qr.createTable(
      new Table({
        name: 'sample_cache',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true },
          { name: 'value', type: 'varchar', length: '100' },
        ],
      }),
      true,
    );
    if (!(await qr.hasColumn('api_key', 'sample_note'))) {
      await qr.addColumn(
        'api_key',
        new TableColumn({ name: 'sample_note', type: 'varchar', length: '50', isNullable: true }),
      );
    }
  }

  async down(qr: QueryRunner): Promise<void> {
    await dropPhaseSchema(qr, SAMPLE91_SCHEMA);
  }
}

export class Phase92Sample1799000100000 implements MigrationInterface {
  async up(qr: QueryRunner): Promise<void> {
    await qr.createTable(
      new Table({
        name: 'sample2_data',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true },
          { name: 'payload', type: 'varchar', length: '100' },
        ],
      }),
      true,
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await dropPhaseSchema(qr, SAMPLE92_SCHEMA);
  }
}

/** Test knob: how long each run of the sample job takes. */
export const sampleJobTiming = { durationMs: 0 };

/** Test knob: the sample's new path throws while this is set (a regression injected on demand). */
export const sampleNewPath = { failing: false };

@Phase({ migrations: [Phase91Sample1799000000000] })
export class SamplePhase91 implements PhaseDefinition {
  readonly number = 91;
  readonly key = 'sample';
  readonly title = 'Sample phase (tests only)';
  readonly flags = [
    { key: 'sample_runtime', description: 'Runs the sample job' },
    { key: 'sample_shadow', description: 'Shadow mode of the sample', shadow: true },
  ];
  readonly jobs = [
    {
      name: SAMPLE_JOB,
      description: 'Writes one sample_log row per run',
      cron: '* * * * * *',
      flag: 'sample_runtime',
      run: (ctx: JobRunContext) => this.tick(ctx),
    },
  ];
  readonly tables = SAMPLE91_SCHEMA.tables;
  readonly columns = SAMPLE91_SCHEMA.columns;
  readonly dataLossRisk = 'medium' as const;
  readonly legacyFallback = 'nothing: the sample has no legacy path';

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly fallback: PhaseFallback,
  ) {}

  /** One gated call behind `sample_runtime`, as a phase's hot path makes them (recorded in the path telemetry). */
  async work(): Promise<'new' | 'legacy'> {
    const { value } = await this.fallback.run({
      flag: 'sample_runtime',
      operation: 'sample_work',
      context: NO_SCOPE,
      newPath: () =>
        sampleNewPath.failing ? Promise.reject(new Error('injected regression')) : Promise.resolve('new' as const),
      legacy: () => Promise.resolve('legacy' as const),
    });
    return value;
  }

  async inFlight() {
    return { count: 0, description: 'sample work is instantaneous' };
  }

  async verifyLegacy() {
    await this.dataSource.query('SELECT 1');
    return { ok: true, detail: 'database answers' };
  }

  private async tick(ctx: JobRunContext) {
    if (sampleJobTiming.durationMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, sampleJobTiming.durationMs);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    await this.dataSource.query(`INSERT INTO sample_log (note, created_at) VALUES (?, ?)`, [
      ctx.manual ? 'manual' : 'scheduled',
      toDbTime(new Date()),
    ]);
    return { written: 1 };
  }
}

@Phase({ migrations: [Phase92Sample1799000100000] })
export class SamplePhase92 implements PhaseDefinition {
  readonly number = 92;
  readonly key = 'sample2';
  readonly title = 'Second sample phase (tests only)';
  readonly flags = [{ key: 'sample2_enabled', description: 'Turns the second sample on' }];
  readonly jobs = [];
  readonly tables = SAMPLE92_SCHEMA.tables;
  readonly columns = SAMPLE92_SCHEMA.columns;
  readonly dataLossRisk = 'low' as const;
  readonly legacyFallback = 'nothing';

  async inFlight() {
    return { count: 0, description: 'none' };
  }

  async verifyLegacy() {
    return { ok: true, detail: 'no legacy path' };
  }
}

@Module({ imports: [PhasesModule, TypeOrmModule], providers: [SamplePhase91, SamplePhase92] })
export class SamplePhasesModule {}

export const samplePhases: AppExtras = { modules: [SamplePhasesModule] };

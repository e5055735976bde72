import { Module } from '@nestjs/common';
import { InjectDataSource, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, MigrationInterface, QueryRunner, Table } from 'typeorm';
import { dropPhaseSchema, phaseSchema } from '../../../src/phases/guard/migration-guard.js';
import { Phase, PhaseDefinition } from '../../../src/phases/phase-definition.js';
import { PhasesModule } from '../../../src/phases/phases.module.js';

/**
 * A whole Phase 11 as a new integration would add it: one module file and one migration,
 * plugged in by naming the module (what its import line in app.module.ts does). Nothing in
 * src/ mentions it; test/phase-plugin proves the framework finds everything it implies.
 */
export const PHASE_11_SCHEMA = phaseSchema(11, [{ name: 'p11_reading', rebuildable: false }]);
export const PHASE_11_FLAG = 'enable_phase11_readings';

export class Phase11Readings1799110000000 implements MigrationInterface {
  async up(qr: QueryRunner): Promise<void> {
    await qr.createTable(
      new Table({
        name: 'p11_reading',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true },
          { name: 'value', type: 'varchar', length: '50' },
        ],
      }),
      true,
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await dropPhaseSchema(qr, PHASE_11_SCHEMA);
  }
}

@Phase({ migrations: [Phase11Readings1799110000000] })
export class ReadingsPhase implements PhaseDefinition {
  readonly number = 11;
  readonly key = 'readings';
  readonly title = 'Readings (test-only Phase 11)';
  readonly requires = [10];
  readonly flags = [{ key: PHASE_11_FLAG, description: 'Record sensor readings' }];
  readonly jobs = [];
  readonly tables = PHASE_11_SCHEMA.tables;
  readonly columns = PHASE_11_SCHEMA.columns;
  readonly dataLossRisk = 'low' as const;
  readonly legacyFallback = 'no readings are recorded';

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async inFlight() {
    return { count: 0, description: 'readings are instantaneous' };
  }

  async verifyLegacy() {
    await this.dataSource.query('SELECT 1');
    return { ok: true, detail: 'database answers' };
  }
}

@Module({ imports: [PhasesModule, TypeOrmModule], providers: [ReadingsPhase] })
export class ReadingsPhaseModule {}

import { Module } from '@nestjs/common';
import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import type { AppExtras } from '../../src/app.module.js';
import { dropPhaseSchema, phaseSchema } from '../../src/phases/guard/migration-guard.js';
import { Phase, PhaseDefinition } from '../../src/phases/phase-definition.js';
import { PhasesModule } from '../../src/phases/phases.module.js';

/**
 * A test-only phase whose migration seeds a default row, as real migrations do for settings:
 * once the operator has deleted that row, a schema revert and re-enable brings it back, and
 * the restore of the backup no longer matches (the rollback drill must report it).
 */
export const SEEDED_SCHEMA = phaseSchema(93, [{ name: 'drill_seeded', rebuildable: false }]);

export class Phase93DrillSeeded1799000300000 implements MigrationInterface {
  async up(qr: QueryRunner): Promise<void> {
    if (await qr.hasTable('drill_seeded')) return;
    await qr.createTable(
      new Table({
        name: 'drill_seeded',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true },
          { name: 'label', type: 'varchar', length: '50' },
        ],
      }),
    );
    await qr.query(`INSERT INTO drill_seeded (id, label) VALUES (1, 'default')`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await dropPhaseSchema(qr, SEEDED_SCHEMA);
  }
}

@Phase({ migrations: [Phase93DrillSeeded1799000300000] })
export class DrillSeededPhase implements PhaseDefinition {
  readonly number = 93;
  readonly key = 'drill-seeded';
  readonly title = 'Seeded phase (rollback drill tests only)';
  readonly flags = [];
  readonly jobs = [];
  readonly tables = SEEDED_SCHEMA.tables;
  readonly columns = SEEDED_SCHEMA.columns;
  readonly dataLossRisk = 'low' as const;
  readonly legacyFallback = 'nothing';

  async inFlight() {
    return { count: 0, description: 'none' };
  }

  async verifyLegacy() {
    return { ok: true, detail: 'no legacy path' };
  }
}

@Module({ imports: [PhasesModule], providers: [DrillSeededPhase] })
export class DrillSeededPhaseModule {}

export const drillSeededPhase: AppExtras = { modules: [DrillSeededPhaseModule] };

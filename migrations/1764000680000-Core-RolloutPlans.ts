import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { datetimeColumn, dialectOf } from '../src/database/dialect.js';
import { coreSchema, dropCoreSchema } from '../src/phases/guard/core-schema-guard.js';

/**
 * Rollout plans (a phase switched on stage by stage under guardrails) and their audited
 * events. `active_phase` holds the phase while the plan is live (active, paused, awaiting
 * approval) and null once it ended: its unique index is what allows one live plan per phase.
 */
export class CoreRolloutPlans1764000680000 implements MigrationInterface {
  async up(qr: QueryRunner): Promise<void> {
    const dt = datetimeColumn(dialectOf(qr));
    await qr.createTable(
      new Table({
        name: 'rollout_plan',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'phase', type: 'integer' },
          { name: 'active_phase', type: 'integer', isNullable: true },
          { name: 'stages', type: 'text' },
          { name: 'current_stage', type: 'integer' },
          { name: 'stage_started_at', ...dt },
          // the stage before's window is the baseline where the current stage leaves no legacy traffic (100%)
          { name: 'previous_stage_started_at', ...dt, isNullable: true },
          { name: 'status', type: 'varchar', length: '24' },
          { name: 'requires_approval', type: 'boolean', default: false },
          { name: 'created_by', type: 'varchar', length: '100' },
          { name: 'reason', type: 'varchar', length: '500' },
          { name: 'created_at', ...dt },
          { name: 'updated_at', ...dt },
          { name: 'version', type: 'integer', default: 1 },
        ],
        indices: [
          { name: 'uq_rollout_plan_active_phase', columnNames: ['active_phase'], isUnique: true },
          { name: 'idx_rollout_plan_phase', columnNames: ['phase', 'id'] },
        ],
      }),
      true,
    );
    await qr.createTable(
      new Table({
        name: 'rollout_event',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'plan_id', type: 'integer' },
          { name: 'phase', type: 'integer' },
          { name: 'stage', type: 'integer' },
          { name: 'action', type: 'varchar', length: '32' },
          { name: 'actor', type: 'varchar', length: '100' },
          { name: 'reason', type: 'varchar', length: '1000' },
          { name: 'evidence', type: 'text' },
          { name: 'at', ...dt },
        ],
        indices: [{ name: 'idx_rollout_event_plan', columnNames: ['plan_id', 'id'] }],
      }),
      true,
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await dropCoreSchema(
      qr,
      coreSchema(CoreRolloutPlans1764000680000.name, [
        { name: 'rollout_event', rebuildable: false },
        { name: 'rollout_plan', rebuildable: false },
      ]),
    );
  }
}

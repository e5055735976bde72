import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/**
 * What the phase registry declares (each flag and job, with its phase), written by every
 * replica at start, so the lean emergency rollback can switch everything off from the shell
 * without booting the application to ask the registry.
 */
export class CorePhaseManifest1764000500000 implements MigrationInterface {
  async up(qr: QueryRunner): Promise<void> {
    await qr.createTable(
      new Table({
        name: 'phase_manifest',
        columns: [
          { name: 'kind', type: 'varchar', length: '8', isPrimary: true },
          { name: 'name', type: 'varchar', length: '100', isPrimary: true },
          { name: 'phase', type: 'integer' },
        ],
      }),
      true,
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    // rebuilt by the next replica that starts: nothing here needs a backup
    await qr.dropTable('phase_manifest', true);
  }
}

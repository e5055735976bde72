import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * A guard counter on the rows whose invariants span other rows: an operator's leave requests
 * must not overlap. A transaction that checks such an invariant bumps the counter of the row
 * it guards, so two transactions checking the same operator write the same row. On one server
 * the second waits for the first; on Galera, where a locking read (SELECT ... FOR UPDATE) holds
 * only on its own node and is never certified, the write makes the cluster refuse one of the
 * two at commit, and that one runs again and sees the other's row.
 */
export class CoreRowGuards1764000400000 implements MigrationInterface {
  async up(qr: QueryRunner): Promise<void> {
    if (!(await qr.hasColumn('account', 'lock_version')))
      await qr.addColumn('account', new TableColumn({ name: 'lock_version', type: 'integer', default: 0 }));
  }

  /** The counter holds no information (only its changes matter), so no backup needs to cover it. */
  async down(qr: QueryRunner): Promise<void> {
    if (await qr.hasColumn('account', 'lock_version')) await qr.dropColumn('account', 'lock_version');
  }
}

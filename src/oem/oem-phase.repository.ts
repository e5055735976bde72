import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** What Phase 8's definition reads for rollback: its in-flight tickets, and the manual scan path it falls back to. */
@Injectable()
export class OemPhaseRepository {
  constructor(private readonly dataSource: DataSource) {}

  async schemaPresent(): Promise<boolean> {
    const runner = this.dataSource.createQueryRunner();
    try {
      return await runner.hasTable('oem_job_ticket');
    } finally {
      await runner.release();
    }
  }

  async ticketsInProgress(): Promise<number> {
    const [row] = await this.dataSource.query<[{ n: number | string }]>(
      `SELECT COUNT(*) AS n FROM oem_job_ticket WHERE status = 'in_progress'`,
    );
    return Number(row.n);
  }

  /** Reads the core's scan record and the first token's serial (null when there is no token): what the manual scan path needs to answer. */
  async manualScanProbe(): Promise<{ firstSerial: string | null }> {
    await this.dataSource.query(`SELECT id FROM scan_record LIMIT 1`);
    const token = (
      await this.dataSource.query<Array<{ serial: string }>>(`SELECT serial FROM token ORDER BY id LIMIT 1`)
    ).at(0);
    return { firstSerial: token ? token.serial : null };
  }
}

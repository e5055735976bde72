import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ONE_ROW } from '../database/dialect.js';
import { OemScanRule, type OemRuleAction } from './entities/oem-scan-rule.entity.js';

/** Station scan rules: each write is one row, outside any transaction. */
/** An active rule as the scan path reads it. */
export interface ActiveRule {
  id: number;
  customer: string;
  stationCode: string;
  pattern: string;
  action: OemRuleAction;
}

@Injectable()
export class OemRulesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Every active rule, higher priority first, ties by id. */
  async active(em: EntityManager): Promise<ActiveRule[]> {
    const rows: Array<{ id: number; customer: string; station_code: string; pattern: string; action: OemRuleAction }> =
      await em.query(
        `SELECT id, customer, station_code, pattern, action FROM oem_scan_rule WHERE active = 1 ORDER BY priority DESC, id`,
      );
    return rows.map((r) => ({
      id: r.id,
      customer: r.customer,
      stationCode: r.station_code,
      pattern: r.pattern,
      action: r.action,
    }));
  }

  list(stationCode?: string): Promise<OemScanRule[]> {
    return this.repo().find({
      where: stationCode ? { stationCode } : {},
      order: { stationCode: 'ASC', priority: 'DESC', id: 'ASC' },
    });
  }

  findById(id: number): Promise<OemScanRule | null> {
    return this.repo().findOneBy({ id });
  }

  save(rule: Omit<OemScanRule, 'id'> & { id?: number }): Promise<OemScanRule> {
    return this.repo().save(rule, ONE_ROW);
  }

  async remove(rule: OemScanRule): Promise<void> {
    await this.repo().remove(rule, ONE_ROW);
  }

  private repo() {
    return this.dataSource.getRepository(OemScanRule);
  }
}

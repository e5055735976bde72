import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainError, type FieldError } from '../common/errors/domain-error.js';
import { toDbTime } from '../database/dialect.js';
import { AssignmentResolverService } from './assignment-resolver.service.js';
import { minuteText, type Rule } from './availability.js';
import type { AvailabilityDto } from './dto/availability.dto.js';
import { inTransaction } from '../database/transaction.js';

export type Subject = 'operator' | 'team';

const TABLES: Record<Subject, { table: string; key: string; owner: string; label: string }> = {
  operator: { table: 'operator_availability', key: 'account_id', owner: 'account', label: 'Operator' },
  team: { table: 'team_availability', key: 'team_id', owner: 'team', label: 'Team' },
};

const minutes = (text: string) => Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5));

/** Weekly windows and dated exceptions of operators and teams; a schedule is replaced as a whole. */
@Injectable()
export class AvailabilityService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly resolver: AssignmentResolverService,
  ) {}

  async set(subject: Subject, id: number, schedule: AvailabilityDto): Promise<AvailabilityDto> {
    const rules = toRules(schedule);
    const { table, key } = TABLES[subject];
    await inTransaction(this.dataSource, async (em) => {
      await this.assertExists(em, subject, id);
      await em.query(`DELETE FROM ${table} WHERE ${key} = ?`, [id]);
      const now = toDbTime(new Date());
      for (const r of rules) {
        await em.query(`INSERT INTO ${table} (${key}, weekday, on_date, start_minute, end_minute, available, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`, [
          id,
          r.weekday,
          r.onDate,
          r.startMinute,
          r.endMinute,
          r.available ? 1 : 0,
          now,
        ]);
      }
    });
    this.resolver.invalidate();
    return this.get(subject, id);
  }

  async get(subject: Subject, id: number): Promise<AvailabilityDto> {
    const { table, key } = TABLES[subject];
    await this.assertExists(this.dataSource.manager, subject, id);
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT weekday, on_date, start_minute, end_minute, available FROM ${table} WHERE ${key} = ? ORDER BY id`,
      [id],
    );
    const schedule: AvailabilityDto = { weekly: [], exceptions: [] };
    for (const r of rows) {
      const start = minuteText(Number(r.start_minute));
      const end = minuteText(Number(r.end_minute));
      if (r.weekday !== null) schedule.weekly.push({ weekday: Number(r.weekday), start, end });
      else schedule.exceptions.push({ date: String(r.on_date), start, end, available: Boolean(Number(r.available)) });
    }
    return schedule;
  }

  private async assertExists(em: EntityManager, subject: Subject, id: number): Promise<void> {
    const { owner, label } = TABLES[subject];
    if ((await em.query(`SELECT id FROM ${owner} WHERE id = ?`, [id])).length === 0) throw DomainError.notFound(label, id);
  }
}

function toRules(schedule: AvailabilityDto): Rule[] {
  const errors: FieldError[] = [];
  const window = (field: string, start: string, end: string) => {
    const [s, e] = [minutes(start), minutes(end)];
    if (e <= s) errors.push({ field, messages: [`end ${end} must be after start ${start} (split a night shift at midnight)`] });
    return { startMinute: s, endMinute: e };
  };
  const rules: Rule[] = [
    ...schedule.weekly.map((w, i) => ({ weekday: w.weekday, onDate: null, available: true, ...window(`weekly.${i}`, w.start, w.end) })),
    ...schedule.exceptions.map((x, i) => ({ weekday: null, onDate: x.date, available: x.available, ...window(`exceptions.${i}`, x.start ?? '00:00', x.end ?? '24:00') })),
  ];
  if (errors.length) throw DomainError.validation(errors);
  return rules;
}

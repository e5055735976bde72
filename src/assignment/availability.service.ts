import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainError, type FieldError } from '../common/errors/domain-error.js';
import { present } from '../common/present.js';
import { AssignmentResolverService } from './assignment-resolver.service.js';
import { minuteText, type Rule } from './availability.js';
import { AvailabilityRepository, type Subject } from './availability.repository.js';
import type { AvailabilityDto } from './dto/availability.dto.js';
import { inTransaction } from '../database/transaction.js';

const LABELS: Record<Subject, string> = { operator: 'Operator', team: 'Team' };

const minutes = (text: string) => Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5));

/** Weekly windows and dated exceptions of operators and teams; a schedule is replaced as a whole. */
@Injectable()
export class AvailabilityService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly resolver: AssignmentResolverService,
    private readonly schedules: AvailabilityRepository,
  ) {}

  async set(subject: Subject, id: number, schedule: AvailabilityDto): Promise<AvailabilityDto> {
    const rules = toRules(schedule);
    await inTransaction(this.dataSource, async (em) => {
      await this.assertExists(em, subject, id);
      await this.schedules.replace(em, subject, id, rules);
    });
    this.resolver.invalidate();
    return this.get(subject, id);
  }

  async get(subject: Subject, id: number): Promise<AvailabilityDto> {
    await this.assertExists(undefined, subject, id);
    const schedule: AvailabilityDto = { weekly: [], exceptions: [] };
    for (const r of await this.schedules.rules(subject, id)) {
      const start = minuteText(r.startMinute);
      const end = minuteText(r.endMinute);
      if (r.weekday !== null) schedule.weekly.push({ weekday: r.weekday, start, end });
      else
        schedule.exceptions.push({
          date: present(r.onDate, 'the date of a rule without a weekday'),
          start,
          end,
          available: r.available,
        });
    }
    return schedule;
  }

  private async assertExists(em: EntityManager | undefined, subject: Subject, id: number): Promise<void> {
    if (!(await this.schedules.subjectExists(em, subject, id))) throw DomainError.notFound(LABELS[subject], id);
  }
}

function toRules(schedule: AvailabilityDto): Rule[] {
  const errors: FieldError[] = [];
  const window = (field: string, start: string, end: string) => {
    const [s, e] = [minutes(start), minutes(end)];
    if (e <= s)
      errors.push({ field, messages: [`end ${end} must be after start ${start} (split a night shift at midnight)`] });
    return { startMinute: s, endMinute: e };
  };
  const rules: Rule[] = [
    ...schedule.weekly.map((w, i) => ({
      weekday: w.weekday,
      onDate: null,
      available: true,
      ...window(`weekly.${i}`, w.start, w.end),
    })),
    ...schedule.exceptions.map((x, i) => ({
      weekday: null,
      onDate: x.date,
      available: x.available,
      ...window(`exceptions.${i}`, x.start ?? '00:00', x.end ?? '24:00'),
    })),
  ];
  if (errors.length) throw DomainError.validation(errors);
  return rules;
}

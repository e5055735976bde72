import type { AvailabilityKind } from './entities/people-availability.entity.js';
import { keyedHash, maskField, type MaskingRules } from './masking.js';

/** An operator as ingested: personal fields already masked. */
export interface OperatorRecord {
  id: string;
  employeeNo: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  nationalId: string | null;
  teamIds: string[];
  skills: string[];
  active: boolean;
  updatedAt: Date;
}

export interface TeamRecord {
  id: string;
  code: string;
  name: string;
  active: boolean;
}

export interface AvailabilityRecord {
  id: string;
  operatorId: string;
  kind: AvailabilityKind;
  startsAt: Date;
  endsAt: Date;
}

/** Why a record was refused, in field names only: never a value, which may be personal. */
export interface Rejection {
  recordId: string | null;
  error: string;
  payloadHash: string;
}

export type Parsed<T> = { record: T } | { rejection: Rejection };

/** Reads a field and notes, by name only, what is wrong with it. */
class Reader {
  readonly problems: string[] = [];
  constructor(private readonly raw: Record<string, unknown>) {}

  text(field: string, max: number): string {
    const v = this.raw[field];
    if (typeof v === 'string' && v.length > 0 && v.length <= max) return v;
    this.problems.push(`${field} must be a non-empty string of at most ${max} characters`);
    return '';
  }

  optionalText(field: string, max: number): string | null {
    const v = this.raw[field];
    if (v === undefined || v === null) return null;
    if (typeof v === 'string' && v.length <= max) return v;
    this.problems.push(`${field} must be a string of at most ${max} characters or null`);
    return null;
  }

  list(field: string, max: number): string[] {
    const v = this.raw[field];
    if (v === undefined || v === null) return [];
    if (Array.isArray(v) && v.every((s) => typeof s === 'string' && s.length > 0 && s.length <= max))
      return v as string[];
    this.problems.push(`${field} must be an array of strings of at most ${max} characters`);
    return [];
  }

  flag(field: string): boolean {
    const v = this.raw[field];
    if (typeof v === 'boolean') return v;
    this.problems.push(`${field} must be a boolean`);
    return false;
  }

  time(field: string): Date {
    const v = this.raw[field];
    const time = typeof v === 'string' ? new Date(v) : null;
    if (time && !Number.isNaN(time.getTime())) return time;
    this.problems.push(`${field} must be an ISO 8601 timestamp`);
    return new Date(0);
  }

  oneOf<T extends string>(field: string, allowed: readonly T[]): T {
    const v = this.raw[field];
    if (allowed.includes(v as T)) return v as T;
    this.problems.push(`${field} must be one of ${allowed.join(', ')}`);
    return allowed[0];
  }
}

function parse<T>(raw: unknown, hashKey: string, read: (r: Reader) => T): Parsed<T> {
  const object =
    typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : null;
  const id =
    object && (typeof object.id === 'string' || typeof object.id === 'number') ? String(object.id).slice(0, 100) : null;
  const reject = (error: string): Parsed<T> => {
    // JSON.stringify gives undefined for undefined, whatever its declared type says
    const json = JSON.stringify(raw) as string | undefined;
    return {
      rejection: { recordId: id, error: error.slice(0, 500), payloadHash: keyedHash(hashKey, json ?? 'undefined') },
    };
  };
  if (!object) return reject('record is not a JSON object');
  const reader = new Reader(object);
  const record = read(reader);
  return reader.problems.length ? reject(reader.problems.join('; ')) : { record };
}

/** Validates an operator and masks it by `rules`: the only way an operator reaches the cache. */
export function ingestOperator(raw: unknown, rules: MaskingRules, hashKey: string): Parsed<OperatorRecord> {
  return parse(raw, hashKey, (r) => ({
    id: r.text('id', 64),
    employeeNo: r.text('employee_no', 50),
    name: maskField(r.optionalText('name', 200), rules.get('name'), hashKey),
    email: maskField(r.optionalText('email', 320), rules.get('email'), hashKey),
    phone: maskField(r.optionalText('phone', 100), rules.get('phone'), hashKey),
    nationalId: maskField(r.optionalText('national_id', 100), rules.get('national_id'), hashKey),
    teamIds: r.list('team_ids', 64),
    skills: r.list('skills', 50),
    active: r.flag('active'),
    updatedAt: r.time('updated_at'),
  }));
}

export function ingestTeam(raw: unknown, hashKey: string): Parsed<TeamRecord> {
  return parse(raw, hashKey, (r) => ({
    id: r.text('id', 64),
    code: r.text('code', 50),
    name: r.text('name', 200),
    active: r.flag('active'),
  }));
}

export function ingestAvailability(raw: unknown, hashKey: string): Parsed<AvailabilityRecord> {
  const parsed = parse(raw, hashKey, (r) => ({
    id: r.text('id', 64),
    operatorId: r.text('operator_id', 64),
    kind: r.oneOf('kind', ['shift', 'leave'] as const),
    startsAt: r.time('starts_at'),
    endsAt: r.time('ends_at'),
  }));
  if ('record' in parsed && parsed.record.endsAt <= parsed.record.startsAt) {
    return {
      rejection: {
        recordId: parsed.record.id,
        error: 'ends_at must be after starts_at',
        payloadHash: keyedHash(hashKey, JSON.stringify(raw)),
      },
    };
  }
  return parsed;
}

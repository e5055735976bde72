import type { Unavailability } from './operator-directory.js';

/** A stored availability rule (see AvailabilityRule), as read by raw SQL or an entity. */
export interface Rule {
  weekday: number | null;
  onDate: string | null;
  startMinute: number;
  endMinute: number;
  available: boolean;
}

/** A moment as a factory clock shows it: date, weekday and minute of the day. */
export interface LocalMoment {
  date: string;
  weekday: number;
  minute: number;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const formatters = new Map<string, Intl.DateTimeFormat>();

/** `at` on the wall clock of `timeZone` (an IANA name); windows are written in local time. */
export function localMoment(at: Date, timeZone: string): LocalMoment {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    weekday: WEEKDAYS.indexOf(parts.weekday),
    minute: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

export const minuteText = (m: number) =>
  `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

/**
 * Whether a subject with these rules works at `moment`. A dated exception wins over the
 * weekly windows (time off first, then an extra window); a subject with no weekly window at
 * all has no schedule and is always available.
 */
export function unavailableAt(rules: readonly Rule[], moment: LocalMoment): Unavailability | null {
  const covers = (r: Rule) => r.startMinute <= moment.minute && moment.minute < r.endMinute;
  const exceptions = rules.filter((r) => r.onDate === moment.date && covers(r));
  const off = exceptions.find((r) => !r.available);
  if (off)
    return {
      reason: 'outside_availability_window',
      detail: `time off on ${off.onDate} ${minuteText(off.startMinute)}-${minuteText(off.endMinute)}`,
    };
  if (exceptions.some((r) => r.available)) return null;
  const weekly = rules.filter((r) => r.weekday !== null);
  if (weekly.length === 0 || weekly.some((r) => r.weekday === moment.weekday && covers(r))) return null;
  return {
    reason: 'outside_availability_window',
    detail: `no weekly window on ${WEEKDAYS[moment.weekday]} at ${minuteText(moment.minute)}`,
  };
}

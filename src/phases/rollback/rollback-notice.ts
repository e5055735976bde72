import type { RollbackLogEntry } from './rollback-log.entity.js';
import { phaseList } from './rollback-record.js';

/**
 * A rollback's notices, in the shape of the factory's notification template: status, summary,
 * impact, workaround (the legacy path), root cause, resolution, next steps and contact, plus a
 * plain-text rendering (`text`) that a chat tool can post as it is. Free of Nest, so the lean
 * emergency path builds exactly what RollbackNotifier builds.
 */
export type RollbackEvent = 'rollback.started' | 'rollback.finished' | 'rollback.investigating' | 'rollback.resolved';

/** The template's lifecycle (ROLLED BACK, INVESTIGATING, RESOLVED), plus the start and a failed end. */
export type NoticeStatus = 'ROLLING BACK' | 'ROLLED BACK' | 'ROLLBACK FAILED' | 'INVESTIGATING' | 'RESOLVED';

/** What the notice says of a phase; the lean emergency path knows only the number. */
export interface NoticePhase {
  number: number;
  title?: string;
  legacyFallback?: string;
}

export interface NoticeContext {
  /** ROLLBACK_CONTACT. */
  contact: string;
  /** Descriptions of the phases the registry knows. */
  phases: readonly NoticePhase[];
}

export interface RollbackNotice {
  /** The same on every delivery attempt of one notice, so a receiver can drop repeats. */
  noticeId: string;
  noticeStatus: NoticeStatus;
  subject: string;
  rollback: number;
  kind: string;
  phases: number[];
  reason: string;
  actor: string;
  method: string | null;
  /** The rollback's own status (running, completed, failed). */
  status: string;
  durationMs: number | null;
  dataLoss: boolean;
  issues: string[];
  backupLocation: string | null;
  summary: string;
  impact: { phases: string[]; since: string; until: string | null; dataLoss: boolean };
  workaround: string[];
  rootCause: string | null;
  resolution: string | null;
  outcome: string | null;
  nextSteps: string[];
  contact: string;
  text: string;
}

export function noticeStatusOf(event: RollbackEvent, entry: Pick<RollbackLogEntry, 'status'>): NoticeStatus {
  switch (event) {
    case 'rollback.started':
      return 'ROLLING BACK';
    case 'rollback.finished':
      return entry.status === 'completed' ? 'ROLLED BACK' : 'ROLLBACK FAILED';
    case 'rollback.investigating':
      return 'INVESTIGATING';
    case 'rollback.resolved':
      return 'RESOLVED';
  }
}

export function rollbackNotice(event: RollbackEvent, entry: RollbackLogEntry, context: NoticeContext): RollbackNotice {
  const phases = phaseList(entry);
  const known = new Map(context.phases.map((p) => [p.number, p]));
  const label = (n: number) => {
    const title = known.get(n)?.title;
    return title ? `Phase ${n} (${title})` : `Phase ${n}`;
  };
  const noticeStatus = noticeStatusOf(event, entry);
  const what =
    entry.kind === 'emergency' ? 'Emergency rollback of every phase' : `Rollback of ${phases.map(label).join(', ')}`;
  const notice: Omit<RollbackNotice, 'text'> = {
    noticeId: `rollback-${entry.id}-${event.slice('rollback.'.length)}${event === 'rollback.resolved' ? `-${Date.now()}` : ''}`,
    noticeStatus,
    subject: `[Phasegate] Rollback #${entry.id}: ${noticeStatus}`,
    rollback: entry.id,
    kind: entry.kind,
    phases,
    reason: entry.reason,
    actor: entry.actor,
    method: entry.method,
    status: entry.status,
    durationMs: entry.durationMs,
    dataLoss: entry.dataLoss,
    issues: entry.issues,
    backupLocation: entry.backupLocation,
    summary: `${what}, by ${entry.actor}, because: ${entry.reason}`,
    impact: {
      phases: phases.map(label),
      since: entry.startedAt.toISOString(),
      until: entry.reEnabledAt?.toISOString() ?? null,
      dataLoss: entry.dataLoss,
    },
    workaround: phases.map((n) => {
      const fallback = known.get(n)?.legacyFallback;
      return `${label(n)}: ${fallback ?? 'its legacy path (`phasegate phases status` names it)'}`;
    }),
    rootCause: entry.rootCause,
    resolution: entry.resolution,
    outcome: entry.outcome,
    nextSteps: nextSteps(noticeStatus, entry, phases),
    contact: context.contact,
  };
  return { ...notice, text: plainText(notice) };
}

function nextSteps(status: NoticeStatus, entry: RollbackLogEntry, phases: number[]): string[] {
  const resolve = `write the root cause, outcome and resolution: \`phasegate phases resolve --rollback ${entry.id} --resolution TEXT --root-cause TEXT --outcome TEXT\``;
  const enable = `re-enable from the lowest phase up once the fix is in: \`phasegate phases enable --phase ${Math.min(...phases)} --reason TEXT\`, then watch it for 24 to 48 hours`;
  switch (status) {
    case 'ROLLING BACK':
      return ['work on through the workaround below', 'wait for the ROLLED BACK notice'];
    case 'ROLLBACK FAILED':
      return ['fix the failed step named under issues', 'continue the rollback: `phasegate rollback --resume --yes`'];
    case 'ROLLED BACK':
    case 'INVESTIGATING':
      return ['keep to the workaround until the phase is re-enabled', 'find the root cause', resolve];
    case 'RESOLVED':
      return entry.reEnabledAt
        ? [`re-enabled at ${entry.reEnabledAt.toISOString()}: watch it for 24 to 48 hours`]
        : ['keep to the workaround until the phase is re-enabled', enable];
  }
}

function plainText(n: Omit<RollbackNotice, 'text'>): string {
  const list = (items: string[]) => items.map((item) => `- ${item}`);
  return [
    n.subject,
    `Status: ${n.noticeStatus}`,
    `Summary: ${n.summary}`,
    'Impact:',
    ...list([
      `phases: ${n.impact.phases.join(', ')}`,
      `off since ${n.impact.since}${n.impact.until ? `, re-enabled at ${n.impact.until}` : ''}`,
      `data loss: ${n.impact.dataLoss ? 'yes' : 'no'}`,
    ]),
    'Workaround (the legacy path):',
    ...list(n.workaround),
    `Root cause: ${n.rootCause ?? 'not known yet'}`,
    `Resolution: ${n.resolution ?? 'not written yet'}`,
    ...(n.outcome ? [`Outcome: ${n.outcome}`] : []),
    ...(n.issues.length ? ['Issues:', ...list(n.issues)] : []),
    'Next steps:',
    ...n.nextSteps.map((step, i) => `${i + 1}. ${step}`),
    `Contact: ${n.contact}`,
  ].join('\n');
}

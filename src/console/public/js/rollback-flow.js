// The runbook's rollback, roll-forward and emergency procedures as dialogs: plan first, then
// reason and confirmation, then each step's progress and timing as the server records it.
import { api } from './api.js';
import { age, askReason, badge, duration, errorBox, facts, fill, h, modal, table, when } from './dom.js';

const STEP_TONE = { pending: 'neutral', running: 'info', done: 'ok', failed: 'bad', skipped: 'neutral' };
export const STATUS_TONE = { running: 'info', completed: 'ok', failed: 'bad', superseded: 'neutral' };
const ACTION_TONE = { keep: 'neutral', absent: 'neutral', drop: 'warn', 'back up, then drop': 'info', refused: 'bad' };
const POLL_MS = 250;
/** The API wants a reason on every request; a dry run records nothing, so none is asked for. */
const DRY_RUN_REASON = 'dry run from the console';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function stepsTable(steps) {
  return table(
    ['Phase', 'Step', 'Status', 'Started', 'Took', 'Detail'],
    steps.map((s) => [
      s.phase ?? 'all',
      s.name,
      badge(s.status, STEP_TONE[s.status] ?? 'neutral'),
      when(s.startedAt),
      duration(s.durationMs),
      s.detail ?? '',
    ]),
    {
      rowProps: (i) => ({ 'data-step': `${steps[i].phase ?? 'all'}:${steps[i].name}`, 'data-status': steps[i].status }),
    },
  );
}

/** The runbook's checklist begins with a full backup: its age, or its absence, comes first. */
function lastFullBackupView(backup) {
  return h(
    'p',
    { class: backup ? 'full-backup' : 'full-backup error-text', 'data-full-backup': backup ? backup.id : 'none' },
    backup
      ? `Last full backup: ${age(backup.createdAt)} (${when(backup.createdAt)}), ${backup.location}`
      : 'No full backup recorded: tick "Take a full backup first" or run backup --full.',
  );
}

function planView(plan) {
  return h(
    'div',
    { class: 'plan', 'data-refused': plan.refusals.length > 0 },
    lastFullBackupView(plan.lastFullBackup),
    plan.refusals.length
      ? h(
          'div',
          { class: 'error-box', role: 'alert' },
          h('strong', null, 'Would be refused'),
          h(
            'ul',
            null,
            plan.refusals.map((r) => h('li', null, r)),
          ),
        )
      : h('p', { class: 'ok-text' }, 'Nothing would be refused.'),
    plan.dataLoss
      ? h('p', { class: 'error-text' }, 'Rows that no backup keeps would be dropped (rebuildable data).')
      : null,
    plan.phasePlans.map((p) =>
      h(
        'section',
        { class: 'phase-plan', 'data-phase': p.phase },
        h(
          'h3',
          null,
          `Phase ${p.phase} · ${p.title}`,
          ' ',
          badge(
            `risk ${p.dataLossRisk}`,
            p.dataLossRisk === 'high' ? 'bad' : p.dataLossRisk === 'medium' ? 'warn' : 'ok',
          ),
        ),
        facts([
          ['Schema', p.schema],
          ['Flags to turn off', p.flagsOn.length ? p.flagsOn.join(', ') : 'none is on'],
          [
            'Jobs to stop',
            p.jobs.length
              ? p.jobs
                  .map(
                    (j) =>
                      `${j.name}${j.running ? ' (running: waits for its batch)' : j.stopped ? ' (already stopped)' : ''}`,
                  )
                  .join(', ')
              : 'none',
          ],
          ['In flight', p.inFlight ? `${p.inFlight.count} · ${p.inFlight.description}` : '—'],
          ['Legacy path', p.legacyFallback],
        ]),
        table(
          ['Table', 'Exists', 'Rows', 'Holds data', 'Action', 'Note'],
          p.tables.map((t) => [
            h('code', null, t.column ? `${t.table}.${t.column}` : t.table),
            t.exists ? 'yes' : 'no',
            t.rows ?? '—',
            t.holdsData ? (t.rebuildable ? 'yes (rebuildable)' : 'yes') : 'empty',
            badge(t.action, ACTION_TONE[t.action] ?? 'neutral'),
            t.note,
          ]),
          { empty: 'Owns no tables.' },
        ),
      ),
    ),
    h('h3', null, 'Steps'),
    stepsTable(plan.steps),
  );
}

/**
 * Roll back one phase: options, the dry-run plan, then reason and confirmation. The form
 * only offers the real run for the plan on screen: changing an option asks for a new plan.
 */
export async function rollBackPhase(ctx, phase) {
  const decision = await modal(
    `Roll back phase ${phase.number} · ${phase.title}`,
    (close) => {
      const revertSchema = h('input', { type: 'checkbox', name: 'revertSchema' });
      const backup = h('input', { type: 'checkbox', name: 'backup', disabled: true });
      const fullBackup = h('input', { type: 'checkbox', name: 'fullBackup' });
      const planBox = h('div', { class: 'plan-box' });
      const errors = h('div', { class: 'dialog-errors' });
      const reason = h('textarea', {
        name: 'reason',
        rows: 3,
        minlength: 3,
        maxlength: 1000,
        required: true,
        placeholder: 'Why? Kept in the rollback log and the flag audit',
      });
      const confirmed = h('input', { type: 'checkbox', name: 'confirmed', required: true });
      const go = h('button', { type: 'submit', class: 'danger', disabled: true }, `Roll back phase ${phase.number}`);
      const confirmStep = h(
        'fieldset',
        { class: 'confirm-step', hidden: true },
        h('legend', null, 'Confirm'),
        h('label', null, 'Reason', reason),
        h('label', { class: 'check' }, confirmed, ` I have read the plan: roll back phase ${phase.number} now`),
      );
      const options = () => ({
        phase: phase.number,
        revertSchema: revertSchema.checked,
        backup: revertSchema.checked && backup.checked,
        fullBackup: fullBackup.checked,
      });
      const invalidate = () => {
        backup.disabled = !revertSchema.checked;
        if (!revertSchema.checked) backup.checked = false;
        fill(planBox);
        confirmStep.hidden = true;
        go.disabled = true;
      };
      revertSchema.addEventListener('change', invalidate);
      backup.addEventListener('change', invalidate);
      fullBackup.addEventListener('change', invalidate);
      const showPlan = async () => {
        fill(errors);
        try {
          const plan = await api('POST', '/admin/rollbacks', { ...options(), dryRun: true, reason: DRY_RUN_REASON });
          fill(planBox, planView(plan));
          confirmStep.hidden = plan.refusals.length > 0;
          go.disabled = plan.refusals.length > 0;
        } catch (error) {
          fill(errors, errorBox(error));
        }
      };
      return h(
        'form',
        {
          onsubmit: (event) => {
            event.preventDefault();
            close({ ...options(), reason: reason.value.trim() });
          },
        },
        h(
          'fieldset',
          null,
          h('legend', null, 'Options'),
          h(
            'label',
            { class: 'check' },
            revertSchema,
            ' Also revert its schema (drops its tables and columns; stack order applies)',
          ),
          h('label', { class: 'check' }, backup, ' Back up its tables first (needed when they hold data)'),
          h('label', { class: 'check' }, fullBackup, ' Take a full backup first (the whole database)'),
          h('button', { type: 'button', 'data-action': 'plan', onclick: showPlan }, 'Show the plan (dry run)'),
        ),
        errors,
        planBox,
        confirmStep,
        h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => close() }, 'Cancel'), go),
      );
    },
    { wide: true },
  );
  if (decision) await runWithProgress(ctx, `Rolling back phase ${phase.number}`, decision);
}

export async function emergencyRollback(ctx) {
  const reason = await askReason({
    title: 'Emergency rollback',
    intro: h(
      'p',
      null,
      'Turns every phase flag off and stops every phase job at once. No schema changes, no data lost. Every phase then runs its legacy path.',
    ),
    confirmLabel: 'Roll back everything',
    confirmWord: 'EMERGENCY',
    danger: true,
    action: async (text) => text,
  });
  if (reason) await runWithProgress(ctx, 'Emergency rollback', { emergency: true, reason });
}

/** Roll forward: schema back first, then flags, then the jobs they gate (`phases enable`). */
export async function reEnable(ctx, phase) {
  const shadowOnly = h('input', { type: 'checkbox', name: 'shadowOnly' });
  const hasShadow = phase.flags.some((f) => f.shadow);
  const result = await askReason({
    title: `Re-enable phase ${phase.number} · ${phase.title}`,
    intro: h(
      'div',
      null,
      h('p', null, 'Applies its schema again if it was reverted, turns its flags on and resumes the jobs they gate.'),
      hasShadow
        ? h('label', { class: 'check' }, shadowOnly, ' Shadow flags only (evaluate the new path without applying it)')
        : null,
    ),
    confirmLabel: `Re-enable phase ${phase.number}`,
    action: (reason) => api('POST', `/admin/phases/${phase.number}/enable`, { reason, shadowOnly: shadowOnly.checked }),
  });
  if (result) {
    await modal(`Phase ${phase.number} re-enabled`, (close) =>
      h(
        'div',
        { 'data-result': 'enable' },
        facts([
          ['Migrations applied', result.migrationsApplied.length ? result.migrationsApplied.join(', ') : 'none needed'],
          ['Flags on', result.flagsOn.join(', ') || 'none'],
          ['Jobs resumed', result.jobsResumed.join(', ') || 'none'],
        ]),
        h(
          'div',
          { class: 'actions' },
          h('button', { type: 'button', class: 'primary', onclick: () => close() }, 'Close'),
        ),
      ),
    );
  }
}

/**
 * Starts a rollback and shows its steps live. The POST answers only when the rollback has
 * finished, so it is not awaited: the dialog finds the new log entry and polls it meanwhile.
 */
function runWithProgress(ctx, title, body) {
  return modal(
    title,
    (close) => {
      const status = h('div', { class: 'progress-status' }, badge('starting', 'info'));
      const steps = h('div', { class: 'progress-steps' });
      const errors = h('div', { class: 'dialog-errors' });
      const closeButton = h(
        'button',
        { type: 'button', class: 'primary', disabled: true, onclick: () => close(true) },
        'Close',
      );
      const show = (record) => {
        fill(
          status,
          h(
            'span',
            { 'data-rollback': record.id, 'data-status': record.status },
            `#${record.id} `,
            badge(record.status, STATUS_TONE[record.status] ?? 'neutral'),
          ),
          record.durationMs !== null ? ` in ${duration(record.durationMs)}` : null,
          record.issues.length
            ? h(
                'ul',
                { class: 'issues' },
                record.issues.map((i) => h('li', null, i)),
              )
            : null,
          record.status !== 'running'
            ? h(
                'p',
                null,
                h(
                  'a',
                  { href: `#/rollbacks?id=${record.id}`, onclick: () => close(true) },
                  'Open it in the rollback log',
                ),
              )
            : null,
        );
        fill(steps, stepsTable(record.steps));
      };
      void (async () => {
        const before = (await api('GET', '/admin/rollbacks').catch(() => []))[0]?.id ?? 0;
        let settled = false;
        const run = api('POST', '/admin/rollbacks', body).finally(() => (settled = true));
        let id = null;
        while (!settled) {
          await sleep(POLL_MS);
          if (settled) break;
          try {
            if (id === null) {
              const mine = (await api('GET', '/admin/rollbacks')).find(
                (r) => r.id > before && r.actor === ctx.me.name && r.reason === body.reason,
              );
              if (mine) id = mine.id;
            }
            if (id !== null) show(await api('GET', `/admin/rollbacks/${id}`));
          } catch (error) {
            fill(errors, errorBox(error));
          }
        }
        try {
          show(await run);
          fill(errors);
        } catch (error) {
          fill(status, badge('not started', 'bad'));
          fill(errors, errorBox(error));
        }
        closeButton.disabled = false;
        closeButton.focus();
      })();
      return h('div', { class: 'progress' }, status, errors, steps, h('div', { class: 'actions' }, closeButton));
    },
    { wide: true },
  );
}

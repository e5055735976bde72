// Phases: one card per phase from the phase registry (GET /admin/phases), with its flags, jobs,
// schema, tables, work in flight and last rollback, and the runbook's actions for admins; then
// the retention of every growing table (GET /admin/retention): oldest row, size, next purge.
import { api } from '../api.js';
import { age, askReason, badge, facts, fill, h, table, when } from '../dom.js';
import { emergencyRollback, reEnable, rollBackPhase } from '../rollback-flow.js';

const RISK_TONE = { none: 'ok', low: 'ok', medium: 'warn', high: 'bad' };
const SCHEMA_TONE = { applied: 'ok', partial: 'warn', reverted: 'bad' };
const RUN_TONE = { succeeded: 'ok', running: 'info', failed: 'bad' };

export default {
  path: 'phases',
  title: 'Phases',
  role: 'supervisor',
  async render(ctx) {
    const admin = ctx.can('admin');
    const list = h('div', { class: 'cards' });
    const refreshed = h('span', { class: 'muted small' });
    fill(
      ctx.root,
      h(
        'div',
        { class: 'page-head' },
        h('h1', null, 'Phases'),
        refreshed,
        h('button', { type: 'button', onclick: () => load() }, 'Refresh'),
        admin
          ? h(
              'button',
              {
                type: 'button',
                class: 'danger',
                'data-action': 'emergency',
                onclick: () => emergencyRollback(ctx).then(load),
              },
              'Emergency rollback…',
            )
          : null,
      ),
      list,
    );

    async function load() {
      try {
        const phases = await api('GET', '/admin/phases');
        const retention = await api('GET', '/admin/retention');
        fill(
          list,
          ...(phases.length
            ? phases.map((p) => phaseCard(ctx, p, admin, load))
            : [h('p', { class: 'card muted' }, 'No phase is registered.')]),
          retentionCard(retention),
        );
        fill(refreshed, `updated ${when(new Date())}`);
      } catch (error) {
        ctx.reportError(error);
      }
    }
    await load();
  },
};

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

function size(bytes) {
  if (bytes === null) return '—';
  let unit = 0;
  while (bytes >= 1024 && unit < UNITS.length - 1) ((bytes /= 1024), unit++);
  return `${bytes.toFixed(unit ? 1 : 0)} ${UNITS[unit]}`;
}

/** How long each growing table keeps its rows, and where it stands. */
function retentionCard(tables) {
  return h(
    'article',
    { class: 'card', 'data-retention': '' },
    h('h2', null, 'Retention'),
    table(
      ['Table', 'Owner', 'Kept', 'Rows', 'Size', 'Oldest row', 'Next purge'],
      tables.map((t) => [
        h('code', null, t.table),
        t.phase === null ? 'core' : `Phase ${t.phase}`,
        t.days === null
          ? badge('whole', 'neutral', t.offBecause ?? 'retention off')
          : `${t.days} days${t.archive ? ', archived' : ''}`,
        t.rows === null ? badge('absent', 'neutral') : String(t.rows),
        size(t.bytes),
        t.oldest ? `${when(t.oldest)} (${age(t.oldest)})` : '—',
        when(t.nextPurge),
      ]),
      { empty: 'No table declares a retention.' },
    ),
  );
}

/** A phase counts as rolled back while its schema is down or none of its flags is on. */
function isRolledBack(p) {
  return p.schema.state !== 'applied' || (p.lastRollback !== null && p.flags.every((f) => !f.enabled));
}

function phaseCard(ctx, p, admin, reload) {
  const rolledBack = isRolledBack(p);
  const flagChange = (flag) =>
    askReason({
      title: `${flag.enabled ? 'Turn off' : 'Turn on'} ${flag.key}`,
      intro: h('p', null, flag.description),
      confirmLabel: flag.enabled ? 'Turn off' : 'Turn on',
      danger: !flag.enabled,
      action: (reason) =>
        api('PUT', `/admin/flags/${encodeURIComponent(flag.key)}`, { enabled: !flag.enabled, reason }),
    }).then((done) => done && reload());
  const jobChange = (job, verb) =>
    askReason({
      title: `${verb === 'stop' ? 'Stop' : 'Resume'} job ${job.name}`,
      intro: h('p', null, job.description),
      confirmLabel: verb === 'stop' ? 'Stop' : 'Resume',
      action: async (reason) =>
        (await api('POST', `/admin/jobs/${encodeURIComponent(job.name)}/${verb}`, { reason })) ?? true,
    }).then((done) => done && reload());

  return h(
    'article',
    { class: `card phase${rolledBack ? ' rolled-back' : ''}`, 'data-phase': p.number },
    h(
      'header',
      null,
      h('h2', null, `Phase ${p.number} · ${p.title}`),
      h(
        'div',
        { class: 'badges' },
        badge(`schema ${p.schema.state}`, SCHEMA_TONE[p.schema.state] ?? 'neutral'),
        badge(
          `risk ${p.dataLossRisk}`,
          RISK_TONE[p.dataLossRisk] ?? 'neutral',
          'Data-loss risk of reverting its schema',
        ),
        rolledBack ? badge('rolled back', 'bad') : null,
      ),
    ),
    h('p', { class: 'muted small' }, 'Legacy fallback: ', p.legacyFallback),
    h('h3', null, 'Flags'),
    table(
      ['Flag', 'State', 'Changed', ''],
      p.flags.map((f) => [
        [
          h('code', null, f.key),
          f.shadow ? [' ', badge('shadow', 'info')] : null,
          h('div', { class: 'muted small' }, f.description),
        ],
        [
          badge(f.effective ? 'on' : 'off', f.effective ? 'ok' : 'neutral'),
          f.forcedOff ? [' ', badge('forced off', 'bad', f.reason ?? 'FEATURE_FLAGS_FORCE_OFF')] : null,
          f.rules.length > 0
            ? [' ', badge('targeted', 'info', 'On only for the work its rules match'), rulesLine(f.rules)]
            : null,
        ],
        f.updatedAt ? [when(f.updatedAt), h('div', { class: 'muted small' }, f.updatedBy ?? '')] : '—',
        admin
          ? h(
              'button',
              { type: 'button', 'data-flag': f.key, onclick: () => flagChange(f) },
              f.enabled ? 'Turn off…' : 'Turn on…',
            )
          : null,
      ]),
      { empty: 'No flags.' },
    ),
    h('h3', null, 'Jobs'),
    table(
      ['Job', 'State', 'Last run', 'Next run', ''],
      p.jobs.map((j) => [
        [h('code', null, j.name), h('div', { class: 'muted small' }, j.cron)],
        j.running
          ? badge('running', 'info', j.leaseHolder ?? undefined)
          : j.stopped
            ? badge('stopped', 'warn')
            : badge('idle', 'neutral'),
        j.lastRun
          ? [
              badge(j.lastRun.status, RUN_TONE[j.lastRun.status] ?? 'neutral'),
              ' ',
              age(j.lastRun.finishedAt ?? j.lastRun.startedAt),
              j.lastRun.error ? h('div', { class: 'error-text small' }, j.lastRun.error) : null,
            ]
          : 'never',
        j.stopped ? '—' : when(j.nextRun),
        admin
          ? h(
              'button',
              { type: 'button', 'data-job': j.name, onclick: () => jobChange(j, j.stopped ? 'resume' : 'stop') },
              j.stopped ? 'Resume…' : 'Stop…',
            )
          : null,
      ]),
      { empty: 'No scheduled jobs.' },
    ),
    h('h3', null, 'Tables'),
    table(
      ['Table', 'Rows', 'Kind'],
      [
        ...p.tables.map((t) => [
          h('code', null, t.name),
          t.exists ? String(t.rows) : badge('absent', 'neutral'),
          t.rebuildable ? 'rebuildable' : 'kept',
        ]),
        ...p.columns.map((c) => [
          h('code', null, `${c.table}.${c.column}`),
          c.exists ? 'column' : badge('absent', 'neutral'),
          c.rebuildable ? 'rebuildable' : 'kept',
        ]),
      ],
      { empty: 'Owns no tables.' },
    ),
    facts([
      [
        'In flight',
        p.inFlight.count === null ? p.inFlight.description : `${p.inFlight.count} · ${p.inFlight.description}`,
      ],
      [
        'Last rollback',
        p.lastRollback
          ? h(
              'span',
              null,
              `#${p.lastRollback.id} ${p.lastRollback.kind} · ${p.lastRollback.status} · ${when(p.lastRollback.startedAt)} by ${p.lastRollback.actor}`,
              h('div', { class: 'muted small' }, p.lastRollback.reason),
            )
          : 'none',
      ],
    ]),
    admin
      ? h(
          'footer',
          { class: 'actions' },
          h(
            'button',
            {
              type: 'button',
              class: 'danger',
              'data-action': 'rollback',
              onclick: () => rollBackPhase(ctx, p).then(reload),
            },
            'Roll back…',
          ),
          rolledBack
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'primary',
                  'data-action': 'enable',
                  onclick: () => reEnable(ctx, p).then(reload),
                },
                'Re-enable…',
              )
            : null,
        )
      : null,
  );
}

/** A flag's targeting rules in one line: `stations ST-WELD · 10% by targetingKey`, rules separated by `;`. */
function rulesLine(rules) {
  const text = rules
    .map((rule) =>
      [
        ...Object.entries(rule.scope ?? {}).map(([dimension, values]) => `${dimension} ${values.join(', ')}`),
        rule.percentage === undefined ? null : `${rule.percentage}% by ${rule.bucketBy ?? 'targetingKey'}`,
      ]
        .filter(Boolean)
        .join(' · '),
    )
    .join('; ');
  return h('div', { class: 'muted small', 'data-rules': '' }, text);
}

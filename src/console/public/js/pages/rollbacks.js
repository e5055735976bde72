// The rollback log in the runbook's template: one row per rollback, its steps on demand, and
// the resolution written afterwards.
import { api } from '../api.js';
import { badge, duration, errorBox, facts, fill, h, table, when } from '../dom.js';
import { STATUS_TONE, stepsTable } from '../rollback-flow.js';
import { drillsSection } from '../rollback-drills.js';
import { adviceSection } from '../rollback-advice.js';

export default {
  path: 'rollbacks',
  title: 'Rollback log',
  role: 'admin',
  async render(ctx) {
    const detail = h('div', { class: 'rollback-detail' });
    const list = h('div', { class: 'card' });
    const drills = drillsSection(ctx);
    const advice = adviceSection(ctx);
    fill(
      ctx.root,
      h(
        'div',
        { class: 'page-head' },
        h('h1', null, 'Rollback log'),
        h('button', { type: 'button', onclick: () => Promise.all([load(), drills.load(), advice.load()]) }, 'Refresh'),
      ),
      advice.section,
      detail,
      list,
      drills.section,
    );

    const open = async (id) => {
      try {
        fill(
          detail,
          recordView(ctx, await api('GET', `/admin/rollbacks/${id}`), () => fill(detail)),
        );
        detail.scrollIntoView({ block: 'nearest' });
      } catch (error) {
        ctx.reportError(error);
      }
    };

    async function load() {
      try {
        const records = await api('GET', '/admin/rollbacks');
        fill(
          list,
          table(
            [
              '#',
              'Started',
              'Kind',
              'Phases',
              'By',
              'Reason',
              'Status',
              'Took',
              'Data loss',
              'Issues',
              'Resolution',
              '',
            ],
            records.map((r) => [
              String(r.id),
              when(r.startedAt),
              r.kind,
              r.phases.join(', '),
              r.actor,
              h('span', { class: 'clip' }, r.reason),
              badge(r.status, STATUS_TONE[r.status] ?? 'neutral'),
              duration(r.durationMs),
              r.dataLoss ? badge('yes', 'bad') : 'no',
              r.issues.length ? String(r.issues.length) : '—',
              r.resolution ? h('span', { class: 'clip' }, r.resolution) : h('span', { class: 'muted' }, 'open'),
              h('button', { type: 'button', onclick: () => open(r.id) }, 'Details'),
            ]),
            {
              empty: 'No rollback yet.',
              rowProps: (i) => ({ 'data-rollback': records[i].id, 'data-status': records[i].status }),
            },
          ),
        );
      } catch (error) {
        ctx.reportError(error);
      }
    }

    await Promise.all([load(), drills.load(), advice.load()]);
    const wanted = Number(ctx.params.get('id'));
    if (Number.isInteger(wanted) && wanted > 0) await open(wanted);
  },
};

function recordView(ctx, r, onClose) {
  const resolution = h(
    'textarea',
    {
      name: 'resolution',
      rows: 3,
      maxlength: 5000,
      required: true,
      placeholder: 'How was it resolved? Root cause, follow-ups',
    },
    r.resolution ?? '',
  );
  // the factory's rollback history: what caused it and how it ended, written with the resolution
  const optional = (name, label, value) =>
    h('label', null, label, h('textarea', { name, rows: 2, maxlength: 5000, placeholder: 'optional' }, value ?? ''));
  const rootCause = optional('rootCause', 'Root cause', r.rootCause);
  const outcome = optional('outcome', 'Outcome', r.outcome);
  const saved = h('div', { class: 'dialog-errors', 'aria-live': 'polite' });
  const save = async (event) => {
    event.preventDefault();
    fill(saved);
    const text = (label) => label.querySelector('textarea').value.trim();
    try {
      const updated = await api('PATCH', `/admin/rollbacks/${r.id}`, {
        resolution: resolution.value,
        ...(text(rootCause) ? { rootCause: text(rootCause) } : {}),
        ...(text(outcome) ? { outcome: text(outcome) } : {}),
      });
      fill(saved, h('span', { class: 'ok-text' }, `Saved at ${when(new Date())}.`));
      resolution.value = updated.resolution ?? '';
    } catch (error) {
      fill(saved, errorBox(error));
    }
  };
  return h(
    'article',
    { class: 'card', 'data-rollback-detail': r.id },
    h(
      'header',
      null,
      h('h2', null, `Rollback #${r.id}`, ' ', badge(r.status, STATUS_TONE[r.status] ?? 'neutral')),
      h('button', { type: 'button', class: 'link dismiss', 'aria-label': 'Close', onclick: onClose }, '×'),
    ),
    facts([
      ['Kind', r.kind],
      ['Phases', r.phases.join(', ')],
      ['Schema reverted', r.revertSchema ? 'yes' : 'no'],
      ['Backup', r.backup ? (r.backupLocation ?? 'requested') : 'no'],
      ['Started', when(r.startedAt)],
      ['Finished', when(r.finishedAt)],
      ['Took', duration(r.durationMs)],
      ['By', r.actor],
      ['Method', r.method ?? '—'],
      ['Reason', r.reason],
      ['Re-enabled', r.reEnabledAt ? when(r.reEnabledAt) : 'no'],
      ['Data loss', r.dataLoss ? 'yes' : 'no'],
      ['Request id', r.requestId ? h('code', null, r.requestId) : '—'],
    ]),
    r.issues.length
      ? [
          h('h3', null, 'Issues'),
          h(
            'ul',
            { class: 'issues' },
            r.issues.map((i) => h('li', null, i)),
          ),
        ]
      : null,
    h('h3', null, 'Steps'),
    stepsTable(r.steps),
    h('h3', null, 'Resolution'),
    ctx.can('admin')
      ? h(
          'form',
          { class: 'resolution', onsubmit: save },
          resolution,
          rootCause,
          outcome,
          saved,
          h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save resolution')),
        )
      : [
          h('p', null, r.resolution ?? 'open'),
          facts([
            ['Root cause', r.rootCause ?? '—'],
            ['Outcome', r.outcome ?? '—'],
          ]),
        ],
  );
}

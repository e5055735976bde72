// People sync (Phase 9): per sync job its last runs and counts, the age of the cache it
// feeds, and the recent sync errors.
import { api, query } from '../api.js';
import { age, badge, duration, fill, h, table, when } from '../dom.js';

const RUN_TONE = { succeeded: 'ok', running: 'info', failed: 'bad' };
const CACHE_TONE = { fresh: 'ok', stale: 'warn', empty: 'neutral' };
const RECENT_RUNS = 5;
const RECENT_ERRORS = 20;
const RELOAD_MS = 30_000;

const counts = (c) =>
  c
    ? Object.entries(c)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')
    : '—';
const took = (run) =>
  run.finishedAt ? duration(new Date(run.finishedAt).getTime() - new Date(run.startedAt).getTime()) : 'running';

export default {
  path: 'people',
  title: 'People sync',
  role: 'viewer',
  async render(ctx) {
    const supervisor = ctx.can('supervisor');
    const admin = ctx.can('admin');
    const body = h('div');
    fill(
      ctx.root,
      h(
        'div',
        { class: 'page-head' },
        h('h1', null, 'People sync'),
        h('button', { type: 'button', onclick: () => load() }, 'Reload'),
      ),
      body,
    );

    const runNow = async (button, job) => {
      button.disabled = true;
      try {
        await api('POST', '/people/sync/run', { job });
        await load();
      } catch (error) {
        ctx.reportError(error);
        button.disabled = false;
      }
    };

    async function load() {
      try {
        const status = await api('GET', '/people/sync-status');
        // run history and errors are for supervisors; a viewer sees the summary
        const [runs, errors] = supervisor
          ? await Promise.all([
              Promise.all(status.jobs.map((j) => api('GET', `/admin/jobs/${encodeURIComponent(j.job)}/runs`))),
              api('GET', `/people/sync-errors${query({ limit: RECENT_ERRORS })}`),
            ])
          : [null, null];
        fill(
          body,
          h(
            'p',
            { class: 'card' },
            'Read-only People integration ',
            h('code', null, status.flag),
            ': ',
            status.flagEnabled ? badge('on', 'ok') : badge('off: the local account table is used', 'neutral'),
          ),
          h(
            'div',
            { class: 'cards' },
            status.jobs.map((j, i) => {
              const button = admin ? h('button', { type: 'button', 'data-job': j.job }, 'Run now') : null;
              button?.addEventListener('click', () => runNow(button, j.job));
              return h(
                'article',
                { class: 'card', 'data-sync-job': j.job },
                h(
                  'header',
                  null,
                  h('h2', null, h('code', null, j.job)),
                  j.running
                    ? badge('running', 'info')
                    : j.stopped
                      ? badge('stopped', 'warn')
                      : badge('scheduled', 'neutral'),
                ),
                h('p', { class: 'muted small' }, j.description),
                table(
                  ['Cache', 'Rows', 'Age', 'State'],
                  [
                    [
                      h('code', null, j.cache.table),
                      String(j.cache.rows),
                      j.cache.ageMs === null ? '—' : duration(j.cache.ageMs),
                      badge(j.cache.state, CACHE_TONE[j.cache.state] ?? 'neutral'),
                    ],
                  ],
                ),
                table(
                  ['Last run', 'Status', 'Took', 'Counts'],
                  (runs ? runs[i].slice(0, RECENT_RUNS) : j.lastRun ? [j.lastRun] : []).map((r) => [
                    [when(r.startedAt), h('div', { class: 'muted small' }, r.triggeredBy)],
                    [
                      badge(r.status, RUN_TONE[r.status] ?? 'neutral'),
                      r.error ? h('div', { class: 'error-text small' }, r.error) : null,
                    ],
                    took(r),
                    counts(r.counts),
                  ]),
                  { empty: 'Never run.' },
                ),
                h(
                  'p',
                  { class: 'muted small' },
                  `last success ${age(j.lastSuccessAt)} · next run ${j.stopped ? '—' : when(j.nextRun)}`,
                  j.nextRunFull ? ' (full)' : '',
                ),
                button ? h('div', { class: 'actions' }, button) : null,
              );
            }),
          ),
          errors
            ? h(
                'section',
                { class: 'card', 'data-sync-errors': errors.length },
                h('h2', null, 'Recent sync errors'),
                table(
                  ['When', 'Job', 'Record', 'Error'],
                  errors.map((e) => [
                    when(e.occurredAt),
                    h('code', null, e.jobName),
                    e.recordId ?? 'whole run',
                    e.error,
                  ]),
                  { empty: 'No sync errors.' },
                ),
              )
            : null,
        );
      } catch (error) {
        ctx.reportError(error);
      }
    }

    ctx.every(RELOAD_MS, load);
    await load();
  },
};

// OEM shadow report (Phase 8): how often OEM mode would have done what manual mode did,
// over time; the discrepancies by kind; the latest examples of each.
import { api, flagValues, query } from '../api.js';
import { badge, facts, fill, h, table, when } from '../dom.js';
import { FLAGS } from '../flags.js';

const SHADOW_FLAG = FLAGS.oemShadowRun;
const MODE_FLAG = FLAGS.oemMode;
const SPANS = {
  hours: { label: 'last 12 hours, by hour', buckets: 12, ms: 3_600_000 },
  days: { label: 'last 7 days, by day', buckets: 7, ms: 86_400_000 },
};
const KIND_TEXT = {
  no_rule: 'no rule takes the barcode',
  out_of_order: 'step out of order',
  refused: 'OEM would refuse',
  different_move: 'a different move',
  token_not_moved: 'no token moved',
  manual_refused: 'manual mode refused, OEM would apply',
};
const hourLabel = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

export default {
  path: 'shadow',
  title: 'OEM shadow',
  role: 'viewer',
  async render(ctx) {
    const charts = [];
    ctx.onLeave(() => charts.splice(0).forEach((c) => c.destroy()));
    const span = h(
      'select',
      { name: 'span', 'aria-label': 'Period', onchange: () => load() },
      Object.entries(SPANS).map(([k, s]) => h('option', { value: k }, s.label)),
    );
    const body = h('div');
    fill(
      ctx.root,
      h(
        'div',
        { class: 'page-head' },
        h('h1', null, 'OEM shadow report'),
        span,
        h('button', { type: 'button', onclick: () => load() }, 'Reload'),
      ),
      body,
    );

    async function load() {
      try {
        charts.splice(0).forEach((c) => c.destroy());
        const flags = await flagValues();
        const { buckets, ms } = SPANS[span.value];
        const now = Date.now();
        // each bucket is the difference of two "since" reports: the API counts from a time to now
        const starts = Array.from({ length: buckets + 1 }, (_, i) => new Date(now - (buckets - i) * ms));
        const [report, ...cumulative] = await Promise.all([
          api('GET', '/oem/shadow-report'),
          ...starts.map((s) => api('GET', `/oem/shadow-report${query({ since: s.toISOString(), examples: 0 })}`)),
        ]);
        const series = starts.slice(0, -1).map((start, i) => {
          const compared = Math.max(0, cumulative[i].compared - cumulative[i + 1].compared);
          const agreed = Math.max(0, cumulative[i].agreed - cumulative[i + 1].agreed);
          return { start, compared, rate: compared ? agreed / compared : null };
        });
        const kinds = Object.entries(report.discrepancies);
        const state = flags[SHADOW_FLAG]
          ? badge('shadow run on', 'ok')
          : flags[MODE_FLAG]
            ? badge('OEM mode is live: no shadow run', 'info')
            : badge('shadow run off', 'neutral');
        const trend = h('canvas', {
          role: 'img',
          'aria-label': `Agreement rate per ${span.value === 'hours' ? 'hour' : 'day'}`,
        });
        const byKind = h('canvas', { role: 'img', 'aria-label': 'Discrepancies by kind' });
        fill(
          body,
          h(
            'section',
            { class: 'card', 'data-shadow-total': report.total },
            h(
              'h2',
              null,
              'Agreement ',
              h(
                'span',
                { class: 'big', 'data-agreement': report.agreementRate ?? '' },
                report.agreementRate === null
                  ? 'no comparable scan yet'
                  : `${(report.agreementRate * 100).toFixed(1)} %`,
              ),
              ' ',
              state,
            ),
            facts([
              ['Scans recorded', String(report.total)],
              ['Not OEM (manual either way)', String(report.notOem)],
              ['Compared', String(report.compared)],
              ['Agreed', String(report.agreed)],
            ]),
          ),
          h(
            'div',
            { class: 'charts' },
            h(
              'section',
              { class: 'card chart-card', 'data-chart': 'agreement' },
              h('h2', null, 'Agreement over time'),
              h('div', { class: 'chart-box' }, trend),
              table(
                ['From', 'Compared', 'Agreement'],
                series.map((s) => [
                  hourLabel.format(s.start),
                  s.compared,
                  s.rate === null ? '—' : `${(s.rate * 100).toFixed(1)} %`,
                ]),
                { caption: 'The same, as numbers' },
              ),
            ),
            h(
              'section',
              { class: 'card chart-card', 'data-chart': 'discrepancies' },
              h('h2', null, 'Discrepancies by kind'),
              h('div', { class: 'chart-box' }, byKind),
              table(
                ['Kind', 'Scans'],
                kinds.map(([k, n]) => [KIND_TEXT[k] ?? k, n]),
                { rowProps: (i) => ({ 'data-kind': kinds[i][0] }) },
              ),
            ),
          ),
          h(
            'section',
            { class: 'card' },
            h('h2', null, 'Examples'),
            table(
              ['Recorded', 'Kind', 'Station', 'Barcode', 'Manual mode did', 'OEM mode would have'],
              report.examples.map((e) => [
                when(e.recordedAt),
                badge(KIND_TEXT[e.kind] ?? e.kind, 'warn'),
                e.stationCode,
                h('code', null, e.barcode),
                summary(e.manual),
                summary(e.oem),
              ]),
              {
                empty: 'No discrepancy: every compared scan agreed.',
                rowProps: (i) => ({ 'data-example': report.examples[i].kind }),
              },
            ),
          ),
        );
        charts.push(
          new window.Chart(trend, {
            type: 'line',
            data: {
              labels: series.map((s) => hourLabel.format(s.start)),
              datasets: [
                {
                  label: 'Agreement %',
                  data: series.map((s) => (s.rate === null ? null : +(s.rate * 100).toFixed(1))),
                  borderColor: '#1f4e79',
                  pointRadius: 4,
                  spanGaps: true,
                },
              ],
            },
            options: { maintainAspectRatio: false, animation: false, scales: { y: { min: 0, max: 100 } } },
          }),
          new window.Chart(byKind, {
            type: 'bar',
            data: {
              labels: kinds.map(([k]) => KIND_TEXT[k] ?? k),
              datasets: [{ label: 'Scans', data: kinds.map(([, n]) => n), backgroundColor: '#d62728' }],
            },
            options: { maintainAspectRatio: false, animation: false, plugins: { legend: { display: false } } },
          }),
        );
      } catch (error) {
        ctx.reportError(error);
      }
    }
    await load();
  },
};

/** One side of an example in a line: what was done, to what. */
function summary(side) {
  const parts = ['action', 'outcome', 'code', 'serial', 'nodeCode', 'step', 'message']
    .filter((k) => side[k] !== undefined && side[k] !== null)
    .map((k) => `${k}: ${typeof side[k] === 'object' ? JSON.stringify(side[k]) : side[k]}`);
  return parts.length ? parts.join(', ') : JSON.stringify(side);
}

// Production dashboard (Phase 10): token flow, bottlenecks, team workload and cycle times as
// charts, with how fresh the data is. "Data unavailable" whenever the phase is off.
import { api, flagValues } from '../api.js';
import { age, badge, duration, fill, h, when } from '../dom.js';
import { FLAGS } from '../flags.js';

const FLAG = FLAGS.dashboard;
const RELOAD_MS = 60_000;
const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];
const color = (i, alpha = 1) => {
  const hex = PALETTE[i % PALETTE.length];
  if (alpha === 1) return hex;
  const [r, g, b] = [1, 3, 5].map((o) => parseInt(hex.slice(o, o + 2), 16));
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
};
const FLOW_METRICS = { wip: 'Work in progress', entered: 'Entered', exited: 'Exited', scrapped: 'Scrapped' };
const hourLabel = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

export default {
  path: 'dashboard',
  title: 'Dashboard',
  role: 'viewer',
  async render(ctx) {
    const charts = [];
    const dropCharts = () => charts.splice(0).forEach((c) => c.destroy());
    ctx.onLeave(dropCharts);
    const freshness = h('div', { class: 'freshness' });
    const body = h('div');
    const metric = h(
      'select',
      { name: 'metric', 'aria-label': 'Token flow measure' },
      Object.entries(FLOW_METRICS).map(([v, t]) => h('option', { value: v }, t)),
    );
    const refreshNow = ctx.can('admin')
      ? h(
          'button',
          { type: 'button', class: 'primary', 'data-action': 'refresh', onclick: () => rebuild() },
          'Refresh data now',
        )
      : null;
    fill(
      ctx.root,
      h(
        'div',
        { class: 'page-head' },
        h('h1', null, 'Production dashboard'),
        freshness,
        h('button', { type: 'button', onclick: () => load() }, 'Reload'),
        refreshNow,
      ),
      body,
    );
    let answers = null;

    function unavailable(detail) {
      dropCharts();
      answers = null;
      fill(freshness);
      fill(
        body,
        h(
          'div',
          { class: 'card unavailable', 'data-state': 'unavailable' },
          h('strong', null, 'Data unavailable'),
          h('p', { class: 'muted small' }, detail),
        ),
      );
    }

    async function load() {
      try {
        if (!(await flagValues())[FLAG]) return unavailable(`The production dashboard (Phase 10) is off: ${FLAG}.`);
        const [flow, bottlenecks, teams, cycles] = await Promise.all(
          ['token-flow', 'bottlenecks', 'team-workload', 'cycle-times'].map((v) => api('GET', `/dashboard/${v}`)),
        );
        answers = { flow, bottlenecks, teams, cycles };
        draw();
      } catch (error) {
        // switched off between the flag check and the read
        if (error.code === 'DATA_UNAVAILABLE') unavailable(error.message);
        else ctx.reportError(error);
      }
    }

    async function rebuild() {
      refreshNow.disabled = true;
      try {
        await api('POST', '/dashboard/refresh');
        await load();
      } catch (error) {
        ctx.reportError(error);
      } finally {
        refreshNow.disabled = false;
      }
    }

    function draw() {
      dropCharts();
      const all = Object.values(answers);
      const times = all
        .map((a) => a.refreshedAt)
        .filter(Boolean)
        .sort();
      const stale = all.some((a) => a.stale);
      fill(
        freshness,
        times.length
          ? h('span', { title: when(times[0]) }, 'refreshed ', age(times[0]))
          : h('span', null, 'never refreshed'),
        ' ',
        stale ? badge('stale', 'warn', 'Older than three refresh intervals') : badge('fresh', 'ok'),
      );
      const nodeNames = new Map(answers.bottlenecks.data.map((b) => [b.nodeId, `${b.nodeCode} · ${b.nodeName}`]));
      fill(
        body,
        h(
          'div',
          { class: 'charts' },
          chartCard(
            'token-flow',
            'Token flow per node',
            answers.flow,
            () => flowChart(answers.flow.data, nodeNames, metric.value),
            h('label', { class: 'inline small' }, 'Show ', metric),
          ),
          chartCard('bottlenecks', 'Bottlenecks (worst first)', answers.bottlenecks, () =>
            bottleneckChart(answers.bottlenecks.data),
          ),
          chartCard('team-workload', 'Team workload', answers.teams, () => teamChart(answers.teams.data)),
          chartCard('cycle-times', 'Cycle time p50 / p90 per product', answers.cycles, () =>
            cycleChart(answers.cycles.data),
          ),
        ),
      );
    }

    function chartCard(name, title, answer, make, extra) {
      const empty = answer.data.length === 0;
      const canvas = h('canvas', { role: 'img', 'aria-label': title });
      const card = h(
        'section',
        { class: 'card chart-card', 'data-chart': name, 'data-rows': answer.data.length },
        h('header', null, h('h2', null, title), extra),
        empty
          ? h(
              'p',
              { class: 'muted' },
              answer.refreshedAt ? 'No data in this window.' : 'No data yet: waiting for the first refresh.',
            )
          : h('div', { class: 'chart-box' }, canvas),
      );
      if (!empty) charts.push(new window.Chart(canvas, make()));
      return card;
    }

    metric.addEventListener('change', () => answers && draw());
    ctx.every(RELOAD_MS, load);
    await load();
  },
};

const base = (extra = {}) => ({
  // redrawn on every load: an animation would only delay what the operator came to see
  animation: false,
  responsive: true,
  maintainAspectRatio: false,
  plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
  ...extra,
});

function flowChart(rows, nodeNames, measure) {
  const buckets = [...new Set(rows.map((r) => new Date(r.bucketStart).getTime()))].sort((a, b) => a - b);
  const nodes = [...new Set(rows.map((r) => r.nodeId))].sort((a, b) => a - b);
  const value = new Map(rows.map((r) => [`${r.nodeId}@${new Date(r.bucketStart).getTime()}`, r[measure]]));
  return {
    type: 'line',
    data: {
      labels: buckets.map((t) => hourLabel.format(new Date(t))),
      datasets: nodes.map((node, i) => ({
        label: nodeNames.get(node) ?? `node ${node}`,
        data: buckets.map((t) => value.get(`${node}@${t}`) ?? 0),
        borderColor: color(i),
        backgroundColor: color(i, 0.35),
        fill: true,
        tension: 0.2,
        pointRadius: buckets.length > 1 ? 0 : 3,
      })),
    },
    options: base({
      scales: { y: { stacked: true, beginAtZero: true, title: { display: true, text: 'tokens' } } },
      interaction: { mode: 'index', intersect: false },
    }),
  };
}

function bottleneckChart(rows) {
  const sorted = [...rows].sort((a, b) => a.rank - b.rank);
  return {
    type: 'bar',
    data: {
      labels: sorted.map((b) => `${b.rank}. ${b.nodeCode}`),
      datasets: [{ label: 'Tokens waiting', data: sorted.map((b) => b.queueLength), backgroundColor: color(3, 0.8) }],
    },
    options: base({
      indexAxis: 'y',
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            afterLabel: (item) =>
              `p90 wait ${duration(sorted[item.dataIndex].p90WaitMs)}, avg processing ${duration(sorted[item.dataIndex].avgProcessingMs)}`,
          },
        },
      },
    }),
  };
}

function teamChart(rows) {
  return {
    type: 'bar',
    data: {
      labels: rows.map((t) => t.teamName),
      datasets: [
        { label: 'Waiting', data: rows.map((t) => t.tokensWaiting), backgroundColor: color(1, 0.8), stack: 'open' },
        {
          label: 'In progress',
          data: rows.map((t) => t.tokensInProgress),
          backgroundColor: color(0, 0.8),
          stack: 'open',
        },
        {
          label: 'Completed in window',
          data: rows.map((t) => t.completedInWindow),
          backgroundColor: color(2, 0.8),
          stack: 'done',
        },
      ],
    },
    options: base({ scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }),
  };
}

function cycleChart(rows) {
  const days = [...new Set(rows.map((r) => r.day))].sort();
  const products = [...new Set(rows.map((r) => r.productCode))].sort();
  const at = new Map(rows.map((r) => [`${r.productCode}@${r.day}`, r]));
  const minutes = (ms) => (ms === undefined ? null : Math.round(ms / 600) / 100);
  return {
    type: 'line',
    data: {
      labels: days,
      datasets: products.flatMap((product, i) => [
        {
          label: `${product} p50`,
          data: days.map((d) => minutes(at.get(`${product}@${d}`)?.p50CycleMs)),
          borderColor: color(i),
          backgroundColor: color(i),
          spanGaps: true,
        },
        {
          label: `${product} p90`,
          data: days.map((d) => minutes(at.get(`${product}@${d}`)?.p90CycleMs)),
          borderColor: color(i),
          backgroundColor: color(i),
          borderDash: [6, 4],
          spanGaps: true,
        },
      ]),
    },
    options: base({ scales: { y: { beginAtZero: true, title: { display: true, text: 'minutes' } } } }),
  };
}

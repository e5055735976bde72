// A phase's guarded rollout: its plan's current stage, a tile per guardrail with the new path
// against the legacy one over the last 24 hours and the guardrail's threshold, and (for admins)
// the buttons that advance, pause, resume or abort the plan.
import { api, query } from '../api.js';
import { askReason, badge, facts, fill, h, table, when } from '../dom.js';
import { adviceBadge } from '../rollback-advice.js';

const STATUS_TONE = {
  active: 'info',
  awaiting_approval: 'warn',
  paused: 'warn',
  completed: 'ok',
  aborted: 'neutral',
  rolled_back: 'bad',
};
const VERDICT_TONE = { rollback: 'bad', pause: 'warn', healthy: 'ok', insufficient: 'neutral' };
const NEW = '#1f77b4';
const LEGACY = '#7f7f7f';
const LIMIT = '#d62728';
const LIVE = new Set(['active', 'awaiting_approval', 'paused']);
const RELOAD_MS = 30_000;
const stepLabel = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

export default {
  path: 'rollouts',
  title: 'Rollouts',
  role: 'supervisor',
  async render(ctx) {
    const phases = await api('GET', '/admin/phases');
    const phase = phases.find((p) => String(p.number) === ctx.rest[0]) ?? phases[0];
    if (!phase) return fill(ctx.root, h('p', { class: 'card' }, 'No phase is registered.'));
    const body = h('div');
    fill(
      ctx.root,
      h('div', { class: 'page-head' }, h('h1', null, `Rollout of phase ${phase.number} ${phase.title}`)),
      h(
        'nav',
        { class: 'tabs', 'aria-label': 'Phases' },
        phases.map((p) =>
          h(
            'a',
            { href: `#/rollouts/${p.number}`, 'aria-current': p.number === phase.number, 'data-phase': p.number },
            `${p.number} ${p.title}`,
          ),
        ),
      ),
      body,
    );
    const charts = [];
    const dropCharts = () => charts.splice(0).forEach((c) => c.destroy());
    ctx.onLeave(dropCharts);

    const load = async () => {
      try {
        const [plans, advice, telemetry] = await Promise.all([
          api('GET', `/admin/rollouts${query({ phase: phase.number, limit: 1 })}`),
          api('GET', `/admin/rollback/advice${query({ phase: phase.number })}`),
          api('GET', `/admin/telemetry${query({ phase: phase.number })}`),
        ]);
        const view = plans[0] ? await api('GET', `/admin/rollouts/${plans[0].id}`) : null;
        const [mine] = advice.phases;
        dropCharts();
        const tiles = mine.guardrails.map((g) => tile(g, mine.evidence, advice.thresholds, telemetry, charts));
        fill(
          body,
          stageCard(ctx, view, phase),
          h(
            'section',
            { class: 'card', 'data-section': 'guardrails' },
            h('h2', null, 'Guardrails ', adviceBadge(mine.advice)),
            h('p', { class: 'muted' }, `${mine.why}. New path against legacy, ${when(telemetry.from)} to now.`),
            tiles.length
              ? h(
                  'div',
                  { class: 'charts' },
                  tiles.map((t) => t.card),
                )
              : h('p', { class: 'muted' }, 'No flag of the phase is on: nothing to measure.'),
          ),
        );
        // a canvas draws only once it is in the page
        for (const t of tiles) if (t.draw) charts.push(t.draw());
      } catch (error) {
        ctx.reportError(error);
      }
    };
    ctx.every(RELOAD_MS, load);
    await load();
  },
};

function stageCard(ctx, view, phase) {
  if (!view)
    return h(
      'section',
      { class: 'card', 'data-section': 'stage', 'data-status': 'none' },
      h('h2', null, 'No rollout plan'),
      h('p', { class: 'muted' }, `Plan one with: phasegate rollout plan --phase ${phase.number} --stages … --reason …`),
    );
  const { plan, decision, events } = view;
  const stage = plan.stages[plan.currentStage];
  const act = (action, label, danger = false) =>
    h(
      'button',
      {
        type: 'button',
        class: danger ? 'danger' : null,
        'data-action': action,
        onclick: () =>
          askReason({
            title: `${label} the rollout of phase ${plan.phase}`,
            confirmLabel: label,
            danger,
            action: (reason) => api('POST', `/admin/rollouts/${plan.id}/${action}`, { reason }),
          }).then((done) => done && ctx.reload()),
      },
      label,
    );
  const live = LIVE.has(plan.status);
  return h(
    'section',
    { class: 'card', 'data-section': 'stage', 'data-status': plan.status, 'data-stage': plan.currentStage },
    h(
      'h2',
      null,
      `Stage ${plan.currentStage + 1} of ${plan.stages.length}: ${stageName(stage)} `,
      badge(plan.status.replace('_', ' '), STATUS_TONE[plan.status] ?? 'neutral'),
    ),
    h(
      'ol',
      { class: 'stages' },
      plan.stages.map((s, i) =>
        h(
          'li',
          { 'aria-current': i === plan.currentStage ? 'step' : null },
          `${stageName(s)} (at least ${s.minSample} calls, ${s.minDurationMinutes} min)`,
        ),
      ),
    ),
    facts([
      ['Stage since', when(plan.stageStartedAt)],
      ['Approval', plan.requiresApproval ? 'each stage' : 'no'],
      ['Planned by', plan.createdBy],
      ['Reason', plan.reason],
      ['Guard now', decision ? `${decision.action}: ${decision.reason}` : '—'],
    ]),
    live && ctx.can('admin')
      ? h(
          'div',
          { class: 'actions' },
          act('advance', 'Advance'),
          plan.status === 'paused' ? act('resume', 'Resume') : act('pause', 'Pause'),
          act('abort', 'Abort', true),
        )
      : null,
    h('h3', null, 'Events'),
    table(
      ['At', 'Action', 'By', 'Reason'],
      events.slice(-10).map((e) => [when(e.at), e.action, e.actor, e.reason]),
      { empty: 'No event yet.' },
    ),
  );
}

function stageName(s) {
  if (s.kind === 'percentage') return `${s.percentage}%`;
  if (s.kind === 'scope')
    return `scope ${Object.entries(s.scope ?? {})
      .map(([k, v]) => `${k}: ${v.join(', ')}`)
      .join('; ')}`;
  return s.kind;
}

/** One guardrail: its verdict and figures, and where the telemetry has a series, its chart. */
function tile(g, evidence, thresholds, telemetry, charts) {
  const chart = seriesOf(g.guardrail, evidence, thresholds, telemetry);
  const canvas = chart ? h('canvas', { role: 'img', 'aria-label': `${g.guardrail}: new against legacy` }) : null;
  const card = h(
    'article',
    { class: 'card', 'data-guardrail': g.guardrail, 'data-verdict': g.verdict },
    h('h3', null, `${g.guardrail} `, badge(g.verdict, VERDICT_TONE[g.verdict] ?? 'neutral')),
    h('p', { class: 'small' }, g.detail),
    canvas ? h('div', { class: 'chart-box' }, canvas) : h('p', { class: 'muted small' }, 'Totals only: no series.'),
  );
  return { card, draw: chart && (() => new window.Chart(canvas, config(chart))) };
}

/** The lines of a guardrail's chart, or null when the telemetry holds no series for it. */
function seriesOf(name, evidence, thresholds, telemetry) {
  const steps = [...new Set(telemetry.series.map((p) => p.minute))];
  const at = (path) => {
    const byMinute = new Map(telemetry.series.filter((p) => p.path === path).map((p) => [p.minute, p]));
    return steps.map((m) => byMinute.get(m));
  };
  const labels = steps.map((m) => stepLabel.format(new Date(m * 60_000)));
  const [fresh, legacy, fallback] = [at('new'), at('legacy'), at('fallback')];
  const rate = (p) => (p && p.calls ? (100 * p.errors) / p.calls : null);
  if (name === 'error rate') {
    const base = evidence.legacy.calls ? evidence.legacy.errors / evidence.legacy.calls : 0;
    const limit = 100 * (base + Math.max(base, thresholds.baselineRateFloor) * thresholds.rollbackDeviation);
    return { labels, unit: '% errors', fresh: fresh.map(rate), legacy: legacy.map(rate), limit };
  }
  if (name === 'latency') {
    const p95 = (p) => p?.p95Ms ?? null;
    const limit = evidence.legacy.p95Ms === null ? null : evidence.legacy.p95Ms * thresholds.latencyRollbackRatio;
    return { labels, unit: 'p95 ms', fresh: fresh.map(p95), legacy: legacy.map(p95), limit };
  }
  if (name === 'fallback count') {
    let sum = 0;
    const cumulative = fallback.map((p) => (sum += p?.calls ?? 0));
    return { labels, unit: 'fallbacks (cumulative)', fresh: cumulative, legacy: null, limit: thresholds.maxFallbacks };
  }
  return null;
}

function config({ labels, unit, fresh, legacy, limit }) {
  const line = (label, data, color, extra = {}) => ({
    label,
    data,
    borderColor: color,
    backgroundColor: color,
    pointRadius: 0,
    spanGaps: true,
    tension: 0.2,
    ...extra,
  });
  return {
    type: 'line',
    data: {
      labels,
      datasets: [
        line('new path', fresh, NEW),
        legacy ? line('legacy path', legacy, LEGACY) : null,
        limit === null
          ? null
          : line(
              'threshold',
              labels.map(() => limit),
              LIMIT,
              { borderDash: [6, 4], tension: 0 },
            ),
      ].filter(Boolean),
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
      scales: { y: { beginAtZero: true, title: { display: true, text: unit } } },
      interaction: { mode: 'index', intersect: false },
    },
  };
}

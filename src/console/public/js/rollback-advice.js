// The rollback advice (`phasegate rollback advise`): the factory's decision tree over each
// phase's path telemetry, with the rule that decided and every guardrail's values.
import { api } from './api.js';
import { badge, fill, h, table } from './dom.js';

export const ADVICE_TONE = {
  emergency: 'bad',
  planned_rollback: 'bad',
  fix_forward: 'warn',
  pause: 'warn',
  no_action: 'ok',
};
const VERDICT_TONE = { rollback: 'bad', pause: 'warn', healthy: 'ok', insufficient: 'neutral' };
const ADVICE_TEXT = {
  emergency: 'emergency rollback',
  planned_rollback: 'planned rollback',
  fix_forward: 'fix forward',
  pause: 'pause',
  no_action: 'no action',
};

export function adviceBadge(advice) {
  return badge(ADVICE_TEXT[advice] ?? advice, ADVICE_TONE[advice] ?? 'neutral');
}

/** The advice of one phase: its answer, the rule and why, and a table of its guardrails. */
export function phaseAdvice(p) {
  return h(
    'article',
    { 'data-advice-phase': p.phase, 'data-advice': p.advice, 'data-rule': p.rule },
    h('h3', null, `Phase ${p.phase} ${p.title} `, adviceBadge(p.advice), ' ', h('code', null, p.rule)),
    h('p', null, p.why),
    table(
      ['Guardrail', 'Verdict', 'Measured and threshold'],
      p.guardrails.map((g) => [g.guardrail, badge(g.verdict, VERDICT_TONE[g.verdict] ?? 'neutral'), g.detail]),
      { empty: 'Nothing measured: no flag of the phase is on.' },
    ),
  );
}

export function adviceSection(ctx) {
  const span = h(
    'select',
    { name: 'window', 'aria-label': 'Window' },
    ['1h', '24h', '72h', '7d'].map((w) => h('option', { value: w, selected: w === '24h' }, w)),
  );
  const fixEta = h('input', { name: 'fixEta', placeholder: 'fix expected in, e.g. 30m', size: 22 });
  const body = h('div');
  const load = async () => {
    try {
      const query = new URLSearchParams({ window: span.value });
      if (fixEta.value.trim()) query.set('fixEta', fixEta.value.trim());
      const report = await api('GET', `/admin/rollback/advice?${query}`);
      fill(
        body,
        h(
          'p',
          { class: 'muted' },
          `Telemetry from ${new Date(report.window.from).toLocaleString()} to ${new Date(report.window.to).toLocaleString()}. Overall: `,
          adviceBadge(report.advice),
        ),
        report.phases.map(phaseAdvice),
      );
    } catch (error) {
      ctx.reportError(error);
    }
  };
  span.addEventListener('change', load);
  const section = h(
    'section',
    { class: 'card', 'data-section': 'advice' },
    h('h2', null, 'Advice'),
    h(
      'p',
      { class: 'muted' },
      "The factory's decision tree: a blocking failure or a deviation over 10% is an emergency, wrong results a planned rollback, a fix within the hour goes forward.",
    ),
    h(
      'form',
      {
        class: 'actions',
        onsubmit: (event) => {
          event.preventDefault();
          void load();
        },
      },
      span,
      fixEta,
      h('button', { type: 'submit' }, 'Advise'),
    ),
    body,
  );
  return { section, load };
}

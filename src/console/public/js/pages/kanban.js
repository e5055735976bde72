// OEM Kanban (Phase 8): a column per step, a card per open ticket with its due date, late
// ones marked; the shadow run's agreement rate while OEM mode is being shadowed.
import { api, flagValues, query } from '../api.js';
import { badge, facts, fill, h, when } from '../dom.js';
import { FLAGS } from '../flags.js';

const MODE = FLAGS.oemMode;
const SHADOW = FLAGS.oemShadowRun;
const RELOAD_MS = 30_000;

export default {
  path: 'kanban',
  title: 'OEM Kanban',
  role: 'viewer',
  async render(ctx) {
    const customer = h('input', {
      name: 'customer',
      placeholder: 'every customer',
      maxlength: 64,
      value: ctx.params.get('customer') ?? '',
    });
    const stamp = h('span', { class: 'muted small' });
    const shadow = h('div');
    const board = h('div');
    fill(
      ctx.root,
      h(
        'div',
        { class: 'page-head' },
        h('h1', null, 'OEM Kanban'),
        stamp,
        h(
          'form',
          { class: 'inline', onsubmit: (e) => (e.preventDefault(), load()) },
          h('label', { class: 'inline' }, 'Customer ', customer),
        ),
        h('button', { type: 'button', onclick: () => load() }, 'Reload'),
      ),
      shadow,
      board,
    );

    async function load() {
      try {
        const flags = await flagValues();
        fill(shadow, flags[SHADOW] ? await shadowCard() : null);
        if (!flags[MODE]) {
          fill(stamp);
          fill(
            board,
            h(
              'div',
              { class: 'card unavailable', 'data-state': 'oem-disabled' },
              h('strong', null, 'OEM mode disabled'),
              h('p', { class: 'muted small' }, `Scan stations run in manual mode (${MODE} is off).`),
            ),
          );
          return;
        }
        const kanban = await api('GET', `/oem/kanban${query({ customer: customer.value.trim() })}`);
        fill(stamp, `as of ${when(kanban.generatedAt)}`);
        fill(
          board,
          kanban.columns.length
            ? h('div', { class: 'kanban' }, kanban.columns.map(column))
            : h('p', { class: 'card muted' }, 'No open OEM ticket.'),
        );
      } catch (error) {
        ctx.reportError(error);
      }
    }

    ctx.every(RELOAD_MS, load);
    await load();
  },
};

async function shadowCard() {
  const r = await api('GET', '/oem/shadow-report');
  const rate = r.agreementRate === null ? 'no comparable scan yet' : `${(r.agreementRate * 100).toFixed(1)} %`;
  const kinds = Object.entries(r.discrepancies).filter(([, n]) => n > 0);
  return h(
    'section',
    { class: 'card', 'data-shadow-rate': r.agreementRate ?? '' },
    h('h2', null, 'Shadow run: agreement ', h('span', { class: 'big' }, rate)),
    facts([
      ['Scans recorded', String(r.total)],
      ['Compared (OEM would handle)', String(r.compared)],
      ['Agreed', String(r.agreed)],
      ['Discrepancies', kinds.length ? kinds.map(([k, n]) => `${k}: ${n}`).join(', ') : 'none'],
    ]),
  );
}

function column(c) {
  return h(
    'section',
    { class: 'kanban-column', 'data-step': c.step },
    h('h2', null, h('span', null, c.step), badge(String(c.count), 'neutral', 'open tickets at this step')),
    c.cards.map((t) =>
      h(
        'article',
        { class: `ticket${t.late ? ' late' : ''}`, 'data-ticket': t.externalRef, 'data-late': t.late },
        h('div', null, h('strong', null, t.externalRef), ' ', h('span', { class: 'muted small' }, t.customer)),
        h(
          'div',
          { class: 'due' },
          t.dueAt ? `due ${when(t.dueAt)}` : 'no due date',
          t.late ? [' ', badge('late', 'bad')] : null,
        ),
        h(
          'div',
          { class: 'muted small' },
          `step ${t.stepsDone + 1} of ${t.stepCount}`,
          t.currentStep.status === 'active' ? ' · in progress' : '',
        ),
      ),
    ),
    c.count > c.cards.length ? h('p', { class: 'muted small' }, `+ ${c.count - c.cards.length} more`) : null,
  );
}

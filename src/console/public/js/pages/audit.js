// Flag audit: who changed which flag, when and why, newest first, paged with `before`.
import { api, query } from '../api.js';
import { badge, fill, h, table, when } from '../dom.js';

const PAGE_SIZE = 50;

export default {
  path: 'audit',
  title: 'Flag audit',
  role: 'admin',
  async render(ctx) {
    const flags = await api('GET', '/admin/flags');
    const select = h(
      'select',
      { name: 'key', 'aria-label': 'Flag' },
      h('option', { value: '' }, 'every flag'),
      flags.map((f) =>
        h('option', { value: f.key, selected: ctx.params.get('key') === f.key }, `${f.key} (phase ${f.phase})`),
      ),
    );
    const list = h('div');
    const more = h('button', { type: 'button', hidden: true }, 'Older entries');
    fill(
      ctx.root,
      h('div', { class: 'page-head' }, h('h1', null, 'Flag audit'), h('label', { class: 'inline' }, 'Show ', select)),
      h('div', { class: 'card' }, list, more),
    );

    let rows = [];
    async function page(reset) {
      try {
        const older = await api(
          'GET',
          `/admin/flags/audit${query({ key: select.value, limit: PAGE_SIZE, before: reset ? undefined : rows.at(-1)?.id })}`,
        );
        rows = reset ? older : [...rows, ...older];
        more.hidden = older.length < PAGE_SIZE;
        fill(
          list,
          table(
            ['When', 'Flag', 'Change', 'By', 'Why', 'Request id'],
            rows.map((a) => [
              when(a.changedAt),
              h('code', null, a.key),
              [value(a.oldValue), ' → ', value(a.newValue)],
              a.actor,
              a.reason,
              a.requestId ? h('code', { class: 'small' }, a.requestId) : '—',
            ]),
            {
              empty: 'No changes recorded.',
              rowProps: (i) => ({ 'data-audit': rows[i].id, 'data-flag': rows[i].key }),
            },
          ),
        );
      } catch (error) {
        ctx.reportError(error);
      }
    }
    select.addEventListener('change', () => page(true));
    more.addEventListener('click', () => page(false));
    await page(true);
  },
};

function value(v) {
  if (v === null) return badge('unset', 'neutral');
  return badge(v ? 'on' : 'off', v ? 'ok' : 'neutral');
}

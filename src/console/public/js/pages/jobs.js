// Jobs: the list filtered by status, product and due date, with progress and late ones; a
// job's page with its tokens by node. Supervisors release, spawn and cancel, each confirmed.
import { api, query } from '../api.js';
import { askReason, badge, confirmAction, facts, fill, h, progressBar, refill, table, when } from '../dom.js';
import { statusBadge } from './line.js';

const RELOAD_MS = 10_000;
const STATUSES = ['planned', 'released', 'in_progress', 'done', 'cancelled'];
const TOKEN_PAGE = 500;
const LIST_LIMIT = 200;

export default {
  path: 'jobs',
  title: 'Jobs',
  role: 'viewer',
  async render(ctx) {
    if (ctx.rest[0]) return jobPage(ctx, Number(ctx.rest[0]));
    const status = h(
      'select',
      { name: 'status' },
      h('option', { value: '' }, 'any'),
      STATUSES.map((s) => h('option', { value: s, selected: ctx.params.get('status') === s }, s.replace('_', ' '))),
    );
    const product = h('input', {
      name: 'productCode',
      maxlength: 64,
      placeholder: 'any product',
      value: ctx.params.get('productCode') ?? '',
    });
    const dueBefore = h('input', { name: 'dueBefore', type: 'date', value: ctx.params.get('dueBefore') ?? '' });
    const list = h('div');
    const filters = h(
      'form',
      { class: 'filters', onsubmit: (e) => (e.preventDefault(), load()) },
      h('label', null, 'Status', status),
      h('label', null, 'Product', product),
      h('label', null, 'Due before', dueBefore),
      h('button', { type: 'submit' }, 'Filter'),
    );
    fill(
      ctx.root,
      h('div', { class: 'page-head' }, h('h1', null, 'Jobs')),
      h('section', { class: 'card' }, filters, list),
    );

    async function load() {
      try {
        const jobs = await api(
          'GET',
          `/floor/jobs${query({ status: status.value, productCode: product.value.trim(), dueBefore: dueBefore.value ? new Date(`${dueBefore.value}T00:00:00`).toISOString() : '', limit: LIST_LIMIT })}`,
        );
        refill(list, jobs, () => [
          jobs.length === LIST_LIMIT
            ? h(
                'p',
                { class: 'muted small' },
                `The newest ${LIST_LIMIT} jobs are shown: narrow the filters to find older ones.`,
              )
            : null,
          table(
            ['Job', 'Product', 'Status', 'Due', 'Progress', ctx.can('supervisor') ? 'Actions' : null].filter(Boolean),
            jobs.map((j) =>
              [
                h('a', { href: `#/jobs/${j.id}` }, j.code),
                j.productCode,
                jobStatus(j.status),
                [when(j.dueAt), j.late ? [' ', badge('late', 'bad')] : null],
                [
                  progressBar(j.tokensDone, j.quantity, `${j.code}: tokens done`),
                  j.tokensScrapped ? h('span', { class: 'muted small' }, ` · ${j.tokensScrapped} scrapped`) : null,
                ],
                ctx.can('supervisor') ? jobActions(ctx, j, load) : null,
              ].filter((c) => c !== null),
            ),
            {
              empty: 'No job matches.',
              rowProps: (i) => ({ 'data-job': jobs[i].code, class: jobs[i].late ? 'late' : null }),
            },
          ),
        ]);
      } catch (error) {
        ctx.reportError(error);
      }
    }
    ctx.every(RELOAD_MS, load);
    await load();
  },
};

function jobStatus(status) {
  const tone = { planned: 'neutral', released: 'info', in_progress: 'warn', done: 'ok', cancelled: 'bad' }[status];
  return badge(status.replace('_', ' '), tone);
}

/** The supervisor's buttons for a job in its current state; each asks first. */
function jobActions(ctx, job, after) {
  const run = (promise) => promise.then((done) => done && after());
  const buttons = [];
  if (job.status === 'planned') {
    buttons.push(
      h(
        'button',
        {
          type: 'button',
          'data-action': 'release',
          onclick: () =>
            run(
              confirmAction({
                title: `Release ${job.code}`,
                intro: `Release ${job.code}? Its tokens can then be spawned.`,
                confirmLabel: 'Release',
                action: () => api('POST', `/jobs/${job.id}/release`),
              }),
            ),
        },
        'Release',
      ),
    );
  }
  if (job.status === 'released') {
    buttons.push(
      h(
        'button',
        {
          type: 'button',
          class: 'primary',
          'data-action': 'spawn',
          onclick: () =>
            run(
              confirmAction({
                title: `Spawn ${job.code}`,
                intro: `Create ${job.quantity} tokens of ${job.code} at the start node? They are assigned by the plans at once.`,
                confirmLabel: `Spawn ${job.quantity} tokens`,
                action: () => api('POST', `/jobs/${job.id}/spawn`),
              }),
            ),
        },
        'Spawn',
      ),
    );
  }
  if (job.status !== 'done' && job.status !== 'cancelled') {
    buttons.push(
      h(
        'button',
        {
          type: 'button',
          class: 'danger',
          'data-action': 'cancel',
          onclick: () =>
            run(
              askReason({
                title: `Cancel ${job.code}`,
                intro:
                  job.status === 'in_progress'
                    ? `Cancel ${job.code}? Its ${job.openTokens} open tokens are scrapped.`
                    : `Cancel ${job.code}?`,
                confirmLabel: 'Cancel the job',
                danger: true,
                action: (reason) => api('POST', `/jobs/${job.id}/cancel`, { reason }),
              }),
            ),
        },
        'Cancel',
      ),
    );
  }
  return h('div', { class: 'badges' }, buttons);
}

async function jobPage(ctx, id) {
  const head = h('div', { class: 'page-head' }, h('h1', null, 'Job'));
  const body = h('div');
  fill(ctx.root, h('p', null, h('a', { href: '#/jobs' }, '← All jobs')), head, body);

  async function load() {
    try {
      const [ticket, tokens] = await Promise.all([api('GET', `/jobs/${id}`), tokensOf(id)]);
      const graph = await api('GET', `/graphs/${ticket.graphId}`);
      const closed = ticket.status === 'done' || ticket.status === 'cancelled';
      const job = {
        ...ticket,
        tokensDone: tokens.filter((t) => t.status === 'done').length,
        tokensScrapped: tokens.filter((t) => t.status === 'scrapped').length,
        late: !closed && ticket.dueAt !== null && new Date(ticket.dueAt) < new Date(),
      };
      refill(head, job, () => [
        h('h1', null, `Job ${job.code}`),
        jobStatus(job.status),
        job.late ? badge('late', 'bad') : null,
        ctx.can('supervisor') ? jobActions(ctx, job, load) : null,
      ]);
      const byNode = new Map(graph.nodes.map((n) => [n.id, []]));
      for (const t of tokens) byNode.get(t.nodeId)?.push(t);
      refill(body, { job, tokens }, () => [
        h(
          'section',
          { class: 'card', 'data-job-detail': job.code },
          facts([
            ['Product', job.productCode],
            ['Line', `${graph.name} (${graph.code})`],
            ['Progress', progressBar(job.tokensDone, job.quantity, 'tokens done')],
            ['Open tokens', String(job.openTokens)],
            ['Scrapped', String(job.tokensScrapped)],
            ['Due', when(job.dueAt)],
            ['Priority', String(job.priority)],
          ]),
          h(
            'p',
            null,
            h('a', { href: `#/assignment?job=${job.id}` }, 'Compare automatic and manual assignment for this job'),
          ),
        ),
        h('h2', null, 'Tokens by node'),
        h(
          'div',
          { class: 'node-columns' },
          graph.nodes.map((n) => {
            const here = byNode.get(n.id);
            return h(
              'section',
              { class: 'card node-tokens', 'data-node': n.code },
              h('h3', null, `${n.name} `, badge(String(here.length), 'neutral', 'tokens at this node')),
              here.length
                ? h(
                    'ul',
                    { class: 'token-list' },
                    here.map((t) =>
                      h(
                        'li',
                        { 'data-token': t.serial },
                        h('a', { href: `#/token/${t.id}` }, t.serial),
                        ' ',
                        statusBadge(t.status),
                      ),
                    ),
                  )
                : h('p', { class: 'muted small' }, 'none'),
            );
          }),
        ),
      ]);
    } catch (error) {
      ctx.reportError(error);
    }
  }
  ctx.every(RELOAD_MS, load);
  await load();
}

/** Every token of the job, page by page. */
async function tokensOf(jobId) {
  const all = [];
  let cursor;
  do {
    const page = await api('GET', `/tokens${query({ jobId, limit: TOKEN_PAGE, cursor })}`);
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

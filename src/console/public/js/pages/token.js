// One token: its whole history as a timeline, where it is and who has it, and why (the
// Phase 7 decision when there is one). Operators start, complete, route and scrap it here.
import { api, flagValues, query } from '../api.js';
import { askReason, badge, confirmAction, facts, fill, h, when } from '../dom.js';
import { directory } from '../names.js';
import { statusBadge } from './line.js';
import { FLAGS } from '../flags.js';

const RUNTIME_FLAG = FLAGS.assignmentRuntime;

export default {
  path: 'token',
  title: 'Token',
  role: 'viewer',
  nav: false,
  async render(ctx) {
    const id = Number(ctx.rest[0]);
    if (!Number.isInteger(id) || id < 1) {
      const field = h('input', { name: 'token', inputmode: 'numeric', pattern: '[0-9]+', required: true });
      fill(
        ctx.root,
        h('h1', null, 'Token'),
        h(
          'form',
          { class: 'card inline', onsubmit: (e) => (e.preventDefault(), (location.hash = `#/token/${field.value}`)) },
          h('label', { class: 'inline' }, 'Token id ', field),
          h('button', { type: 'submit' }, 'Open'),
        ),
      );
      return;
    }
    const names = await directory();
    const operator = h('input', {
      name: 'operatorCode',
      maxlength: 50,
      placeholder: 'e.g. OP-07',
      autocomplete: 'off',
      list: 'operator-codes',
    });
    const head = h('div', { class: 'page-head' }, h('h1', null, 'Token'));
    const body = h('div');
    fill(
      ctx.root,
      head,
      body,
      h(
        'datalist',
        { id: 'operator-codes' },
        names.operators.map((o) => h('option', { value: o.code }, o.name)),
      ),
    );

    async function load() {
      try {
        const token = await api('GET', `/tokens/${id}`);
        const job = await api('GET', `/jobs/${token.jobId}`);
        const graph = await api('GET', `/graphs/${job.graphId}`);
        const node = graph.nodes.find((n) => n.id === token.nodeId);
        const nodeName = (nodeId) => graph.nodes.find((n) => n.id === nodeId)?.name ?? '—';
        const why = await decision(token, names, nodeName);
        fill(head, h('h1', null, `Token ${token.serial}`), statusBadge(token.status));
        fill(
          body,
          h(
            'div',
            { class: 'cards' },
            h(
              'section',
              { class: 'card', 'data-token-detail': token.serial },
              h('h2', null, 'Where it is'),
              facts([
                ['Job', h('a', { href: `#/jobs/${job.id}` }, job.code)],
                ['Node', `${node.name} (${node.code})`],
                ['Station', node.stationCode ?? '—'],
                ['Assigned operator', names.operator(token.assignedOperatorId)],
                ['Assigned team', names.team(token.assignedTeamId)],
                ['Version', String(token.version)],
              ]),
              why,
              ctx.can('operator') && (token.status === 'waiting' || token.status === 'in_progress')
                ? actions(ctx, token, graph, operator, load)
                : null,
            ),
            h(
              'section',
              { class: 'card' },
              h('h2', null, 'History'),
              h(
                'ol',
                { class: 'timeline' },
                token.history.map((e) =>
                  h(
                    'li',
                    { 'data-event': e.type },
                    h(
                      'div',
                      null,
                      h('strong', null, e.type),
                      ' at ',
                      e.nodeCode ? `${nodeName(e.nodeId)} (${e.nodeCode})` : '—',
                      outcomeOf(e),
                    ),
                    h(
                      'div',
                      { class: 'muted small' },
                      when(e.occurredAt),
                      e.operatorId !== null ? ` · ${names.operator(e.operatorId)}` : '',
                      detailOf(e, names),
                    ),
                  ),
                ),
              ),
            ),
          ),
        );
      } catch (error) {
        ctx.reportError(error);
      }
    }
    await load();
  },
};

function outcomeOf(e) {
  const outcome = e.payload?.outcome;
  return outcome ? [' ', badge(`outcome ${outcome}`, outcome === 'fail' ? 'bad' : 'ok')] : null;
}

function detailOf(e, names) {
  if (e.type === 'scrapped' && e.payload?.reason) return ` · ${e.payload.reason}`;
  if (e.type === 'assigned')
    return ` · ${e.payload?.teamId ? names.team(e.payload.teamId) : ''}${e.payload?.path ? ` (${e.payload.path})` : ''}`;
  return '';
}

/** The latest Phase 7 decision for the token, or why there is none. */
async function decision(token, names, nodeName) {
  const box = h('div', { class: 'decision', 'data-decision': '' });
  try {
    const [flags, log] = await Promise.all([
      flagValues(),
      api('GET', `/assignment/log${query({ tokenId: token.id, limit: 1 })}`),
    ]);
    const last = log.items[0];
    if (!last) {
      box.dataset.decision = 'none';
      return fill(
        box,
        h('h3', null, 'Why'),
        h(
          'p',
          { class: 'muted' },
          flags[RUNTIME_FLAG]
            ? 'No automatic decision is logged for this token: the manual plan assigned it.'
            : `Assigned by the manual plan: Phase 7 is off (${RUNTIME_FLAG}).`,
        ),
      );
    }
    box.dataset.decision = last.method;
    const ranked = last.candidates.filter((c) => c.rank !== null).slice(0, 3);
    return fill(
      box,
      h('h3', null, 'Why (Phase 7 decision)'),
      facts([
        ['Decided', `${when(last.decidedAt)} at ${nodeName(last.nodeId)}`],
        ['Method', `${last.method}${last.reason ? ` (${last.reason})` : ''}`],
        ['Chose', last.operatorId !== null ? names.operator(last.operatorId) : names.team(last.teamId)],
        [
          'Best candidates',
          ranked.length ? ranked.map((c) => `#${c.rank} ${names.operator(c.operatorId)}`).join(', ') : 'none',
        ],
      ]),
      h('a', { href: `#/assignment?token=${token.id}` }, 'Preview the candidates now'),
    );
  } catch (error) {
    // the Phase 7 schema is reverted: there is no decision log to read
    if (error.code !== 'SCHEMA_NOT_APPLIED') throw error;
    box.dataset.decision = 'unavailable';
    return fill(
      box,
      h('h3', null, 'Why'),
      h('p', { class: 'muted' }, 'Phase 7 is rolled back: the manual plan assigns every token.'),
    );
  }
}

/** The operator's moves for a waiting or in-progress token; each asks first. */
function actions(ctx, token, graph, operator, after) {
  const out = graph.edges.filter((e) => e.from === graph.nodes.find((n) => n.id === token.nodeId).code);
  const byCode = new Map(graph.nodes.map((n) => [n.code, n]));
  const who = () => (operator.value.trim() ? { operatorCode: operator.value.trim() } : {});
  const move = (path, body) =>
    api('POST', `/tokens/${token.id}/${path}`, { ...who(), expectedVersion: token.version, ...body });
  const run = (promise) => promise.then((done) => done && after());
  const outcomes = out.filter((e) => e.outcome);
  const outcome = h(
    'select',
    { name: 'outcome' },
    outcomes.map((e) => h('option', { value: e.outcome }, `${e.outcome} → ${byCode.get(e.to).name}`)),
  );
  const target = h(
    'select',
    { name: 'toNode' },
    out.map((e) =>
      h(
        'option',
        { value: byCode.get(e.to).id, 'data-outcome': e.outcome ?? '' },
        `${byCode.get(e.to).name}${e.outcome ? ` (${e.outcome})` : ''}`,
      ),
    ),
  );
  const chosenOutcome = () => (outcomes.length ? { outcome: outcome.value } : {});
  return h(
    'div',
    { class: 'token-actions' },
    h('h3', null, 'Act on it'),
    h('label', null, 'Operator code (recorded on the events)', operator),
    outcomes.length ? h('label', null, 'Outcome', outcome) : null,
    h(
      'div',
      { class: 'actions' },
      token.status === 'waiting'
        ? h(
            'button',
            {
              type: 'button',
              class: 'primary',
              'data-action': 'start',
              onclick: () =>
                run(
                  confirmAction({
                    title: `Start ${token.serial}`,
                    intro: `Start work on ${token.serial}?`,
                    confirmLabel: 'Start',
                    action: () => move('start', {}),
                  }),
                ),
            },
            'Start',
          )
        : h(
            'button',
            {
              type: 'button',
              class: 'primary',
              'data-action': 'complete',
              onclick: () =>
                run(
                  confirmAction({
                    title: `Complete ${token.serial}`,
                    intro: `Complete the work on ${token.serial} and route it on${outcomes.length ? ` with outcome ${outcome.value}` : ''}?`,
                    confirmLabel: 'Complete',
                    action: () => move('complete', chosenOutcome()),
                  }),
                ),
            },
            'Complete',
          ),
      h(
        'button',
        {
          type: 'button',
          'data-action': 'scrap',
          class: 'danger',
          onclick: () =>
            run(
              askReason({
                title: `Scrap ${token.serial}`,
                intro: `Scrap ${token.serial}? It leaves production for good.`,
                confirmLabel: 'Scrap',
                danger: true,
                action: (reason) => move('scrap', { reason }),
              }),
            ),
        },
        'Scrap',
      ),
    ),
    out.length
      ? h(
          'form',
          {
            class: 'inline route',
            onsubmit: (e) => {
              e.preventDefault();
              const option = target.selectedOptions[0];
              const edgeOutcome = option.dataset.outcome;
              run(
                confirmAction({
                  title: `Route ${token.serial}`,
                  intro: `Move ${token.serial} to ${option.textContent}?`,
                  confirmLabel: 'Route',
                  action: () =>
                    move('route', { toNodeId: Number(target.value), ...(edgeOutcome ? { outcome: edgeOutcome } : {}) }),
                }),
              );
            },
          },
          h('label', { class: 'inline' }, 'Route to ', target),
          h('button', { type: 'submit', 'data-action': 'route' }, 'Route'),
        )
      : null,
  );
}

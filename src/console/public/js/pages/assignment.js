// Assignment insight (Phase 7): who would get a token and why (preview), automatic against
// manual for a job (compare), and the decision log. Says "Phase 7 is off" when it is.
import { api, flagValues, query } from '../api.js';
import { badge, facts, fill, h, table, when } from '../dom.js';
import { FLAGS } from '../flags.js';
import { directory } from '../names.js';

const RUNTIME_FLAG = FLAGS.assignmentRuntime;
const PREVIEW_FLAG = FLAGS.assignmentPreview;
const EXCLUSIONS = {
  inactive: 'inactive',
  outside_availability_window: 'outside their availability window',
  on_leave: 'on leave',
  team_unavailable: 'their team is unavailable',
  not_in_directory: 'not in the directory',
};
const percent = (v) => (v === null ? '—' : `${(v * 100).toFixed(1)} %`);

export default {
  path: 'assignment',
  title: 'Assignment',
  role: 'viewer',
  async render(ctx) {
    // the newest jobs, and the one asked for by the link from its page however old it is
    const wanted = Number(ctx.params.get('job')) || null;
    const [flags, names, recent] = await Promise.all([
      flagValues(),
      directory(),
      api('GET', `/floor/jobs${query({ limit: 200 })}`),
    ]);
    const jobs =
      wanted && !recent.some((j) => j.id === wanted) ? [await api('GET', `/jobs/${wanted}`), ...recent] : recent;
    const state = flags[RUNTIME_FLAG]
      ? h(
          'p',
          { class: 'card', 'data-state': 'phase7-on' },
          badge('Phase 7 is on', 'ok'),
          ' Tokens are assigned automatically; the manual plan is the fallback.',
        )
      : h(
          'div',
          { class: 'card unavailable', 'data-state': 'phase7-off' },
          h('strong', null, 'Phase 7 is off'),
          h(
            'p',
            { class: 'muted small' },
            `Tokens are assigned by the manual plans (${RUNTIME_FLAG} is off). The comparison and the log below still show what automatic assignment would do and what it did.`,
          ),
        );

    const previewOut = h('div');
    const tokenField = h('input', {
      name: 'tokenId',
      inputmode: 'numeric',
      pattern: '[0-9]+',
      required: true,
      value: ctx.params.get('token') ?? '',
    });
    const preview = flags[PREVIEW_FLAG]
      ? h(
          'section',
          { class: 'card', 'data-section': 'preview' },
          h('h2', null, 'Preview: who would get a token'),
          h(
            'form',
            { class: 'inline', onsubmit: (e) => (e.preventDefault(), void showPreview()) },
            h('label', { class: 'inline' }, 'Token id ', tokenField),
            h('button', { type: 'submit' }, 'Preview'),
          ),
          previewOut,
        )
      : h(
          'section',
          { class: 'card', 'data-section': 'preview' },
          h('h2', null, 'Preview'),
          h('p', { class: 'muted', 'data-state': 'preview-off' }, `The preview is off (${PREVIEW_FLAG}).`),
        );

    const compareOut = h('div');
    const jobField = h(
      'select',
      { name: 'jobId' },
      jobs.map((j) =>
        h('option', { value: j.id, selected: j.id === wanted }, `${j.code} (${j.status.replace('_', ' ')})`),
      ),
    );
    const compare = h(
      'section',
      { class: 'card', 'data-section': 'compare' },
      h('h2', null, 'Compare: automatic against manual'),
      jobs.length
        ? h(
            'form',
            { class: 'inline', onsubmit: (e) => (e.preventDefault(), void showCompare()) },
            h('label', { class: 'inline' }, 'Job ', jobField),
            h('button', { type: 'submit' }, 'Compare'),
          )
        : h('p', { class: 'muted' }, 'No job yet.'),
      compareOut,
    );

    const logOut = h('div');
    const logFilters = {
      tokenId: h('input', { name: 'tokenId', inputmode: 'numeric', pattern: '[0-9]*' }),
      operatorId: h(
        'select',
        { name: 'operatorId' },
        h('option', { value: '' }, 'anyone'),
        names.operators.map((o) => h('option', { value: o.id }, `${o.name} (${o.code})`)),
      ),
      method: h(
        'select',
        { name: 'method' },
        ['', 'auto', 'manual', 'fallback'].map((m) => h('option', { value: m }, m || 'any')),
      ),
      from: h('input', { name: 'from', type: 'datetime-local' }),
    };
    const log = h(
      'section',
      { class: 'card', 'data-section': 'log' },
      h('h2', null, 'Decision log'),
      h(
        'form',
        { class: 'filters', onsubmit: (e) => (e.preventDefault(), void showLog()) },
        h('label', null, 'Token id', logFilters.tokenId),
        h('label', null, 'Operator', logFilters.operatorId),
        h('label', null, 'Method', logFilters.method),
        h('label', null, 'Decided since', logFilters.from),
        h('button', { type: 'submit' }, 'Filter'),
      ),
      logOut,
    );
    fill(ctx.root, h('div', { class: 'page-head' }, h('h1', null, 'Assignment insight')), state, preview, compare, log);

    const candidatesTable = (candidates) =>
      table(
        ['Rank', 'Operator', 'Team', 'Plan', 'Priority', 'Workload', 'Last assigned', 'Excluded because'],
        candidates.map((c) => [
          c.rank === null ? badge('excluded', 'bad') : c.rank === 1 ? badge('1 · chosen', 'ok') : String(c.rank),
          names.operator(c.operatorId),
          names.team(c.teamId),
          c.tier,
          c.priority ?? '—',
          c.workload ?? '—',
          when(c.lastAssignedAt),
          c.exclusions.length
            ? c.exclusions
                .map((x) => `${EXCLUSIONS[x.reason] ?? x.reason}${x.detail ? ` (${x.detail})` : ''}`)
                .join('; ')
            : '—',
        ]),
        {
          empty: 'No candidate: the manual plan would decide.',
          rowProps: (i) => ({
            'data-candidate': candidates[i].operatorId,
            'data-rank': candidates[i].rank ?? 'excluded',
          }),
        },
      );

    async function guarded(out, work) {
      try {
        await work();
      } catch (error) {
        if (error.code === 'SCHEMA_NOT_APPLIED')
          fill(
            out,
            h(
              'p',
              { class: 'muted', 'data-state': 'schema-reverted' },
              'Phase 7 is rolled back (its schema is reverted): there is nothing to show.',
            ),
          );
        else ctx.reportError(error);
      }
    }

    async function showPreview() {
      await guarded(previewOut, async () => {
        const p = await api('GET', `/assignment/preview${query({ tokenId: tokenField.value.trim() })}`);
        fill(
          previewOut,
          facts([
            ['Token', h('a', { href: `#/token/${p.tokenId}` }, `token ${p.tokenId}`)],
            [
              'Would go to',
              p.chosen
                ? p.chosen.operatorId !== null
                  ? names.operator(p.chosen.operatorId)
                  : names.team(p.chosen.teamId)
                : 'nobody: the manual plan decides',
            ],
            ['Directory', p.directory],
            ['As of', when(p.at)],
          ]),
          candidatesTable(p.candidates),
        );
      });
    }

    async function showCompare() {
      await guarded(compareOut, async () => {
        const c = await api('GET', `/assignment/compare${query({ jobId: jobField.value })}`);
        const differing = c.details.filter(
          (d) => d.manual.operatorId !== d.automatic.operatorId || d.manual.teamId !== d.automatic.teamId,
        );
        const who = (a) =>
          a.operatorId !== null ? names.operator(a.operatorId) : a.teamId !== null ? names.team(a.teamId) : 'nobody';
        fill(
          compareOut,
          c.simulatedSpawn
            ? h(
                'p',
                { class: 'muted small' },
                'The job has no open token yet: its spawn at the start node is simulated.',
              )
            : null,
          table(
            ['', 'Manual', 'Automatic'],
            [
              ['Fill rate', percent(c.manual.fillRate), percent(c.automatic.fillRate)],
              ['Tokens filled', c.manual.filled, c.automatic.filled],
              [
                'Fairness (workload variance, lower is fairer)',
                c.manual.workloadVariance.toFixed(2),
                c.automatic.workloadVariance.toFixed(2),
              ],
              ['Violations (inactive, on leave, off shift)', c.manual.violations, c.automatic.violations],
            ],
            {
              caption: `${c.jobCode}: ${c.tokens} tokens, ${c.eligibleOperators} eligible operators, ${c.differing} differ`,
            },
          ),
          h('h3', null, `Differences (${c.differing})`),
          c.nextCursor
            ? h(
                'p',
                { class: 'muted small' },
                `Listed among the first ${c.details.length} of ${c.tokens} tokens; \`phasegate assignment compare --json\` lists them all.`,
              )
            : null,
          table(
            ['Token', 'Manual', 'Automatic'],
            differing.map((d) => [
              d.tokenId ? h('a', { href: `#/token/${d.tokenId}` }, d.serial) : d.serial,
              who(d.manual),
              who(d.automatic),
            ]),
            { empty: 'Both methods give every token to the same place.' },
          ),
        );
        compareOut.dataset.differing = String(c.differing);
      });
    }

    async function showLog() {
      await guarded(logOut, async () => {
        const from = logFilters.from.value ? new Date(logFilters.from.value).toISOString() : '';
        const page = await api(
          'GET',
          `/assignment/log${query({ tokenId: logFilters.tokenId.value.trim(), operatorId: logFilters.operatorId.value, method: logFilters.method.value, from, limit: 50 })}`,
        );
        fill(
          logOut,
          table(
            ['Decided', 'Token', 'Method', 'Chose', 'Reason', 'Candidates'],
            page.items.map((d) => [
              when(d.decidedAt),
              h('a', { href: `#/token/${d.tokenId}` }, `token ${d.tokenId}`),
              badge(d.method, d.method === 'auto' ? 'ok' : d.method === 'fallback' ? 'warn' : 'neutral'),
              d.operatorId !== null ? names.operator(d.operatorId) : names.team(d.teamId),
              d.reason ?? '—',
              String(d.candidates.length),
            ]),
            { empty: 'No decision matches.', rowProps: (i) => ({ 'data-decision': page.items[i].id }) },
          ),
          page.nextCursor
            ? h('p', { class: 'muted small' }, 'The newest 50 are shown; narrow the filters to see older ones.')
            : null,
        );
      });
    }

    if (flags[PREVIEW_FLAG] && tokenField.value) await showPreview();
    if (jobs.length) await showCompare();
    await showLog();
  },
};

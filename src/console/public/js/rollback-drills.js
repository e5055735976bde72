// The rollback drills' reports (`phasegate rollback drill`): each rehearsal on a scratch copy,
// with its time per phase and whether every table came back with its checksum.
import { api } from './api.js';
import { badge, duration, fill, h, table, when } from './dom.js';
import { stepsTable } from './rollback-flow.js';

const DRILL_TONE = { running: 'info', passed: 'ok', failed: 'bad' };

export function drillsSection(ctx) {
  const detail = h('div');
  const list = h('div');
  const open = async (id) => {
    try {
      fill(
        detail,
        drillView(await api('GET', `/admin/rollbacks/drills/${id}`), () => fill(detail)),
      );
    } catch (error) {
      ctx.reportError(error);
    }
  };
  const load = async () => {
    try {
      const drills = await api('GET', '/admin/rollbacks/drills');
      fill(
        list,
        table(
          ['#', 'Started', 'Phases', 'By', 'Status', 'Took', 'Per phase', 'Checksums', ''],
          drills.map((d) => [
            String(d.id),
            when(d.startedAt),
            d.phases.join(', '),
            d.actor,
            badge(d.status, DRILL_TONE[d.status] ?? 'neutral'),
            duration(d.durationMs),
            d.phaseDurations.map((p) => `${p.phase}: ${duration(p.durationMs)}`).join(' · '),
            `${d.checksums.filter((c) => c.ok).length} of ${d.checksums.length} match`,
            h('button', { type: 'button', onclick: () => open(d.id) }, 'Steps'),
          ]),
          {
            empty: 'No drill yet. Rehearse with: phasegate rollback drill',
            rowProps: (i) => ({ 'data-drill': drills[i].id, 'data-status': drills[i].status }),
          },
        ),
      );
    } catch (error) {
      ctx.reportError(error);
    }
  };
  const section = h(
    'section',
    { class: 'card', 'data-section': 'drills' },
    h('h2', null, 'Rollback drills'),
    h('p', { class: 'muted' }, 'Rehearsals on a scratch copy of the database; the copy is dropped after each.'),
    detail,
    list,
  );
  return { section, load };
}

function drillView(d, onClose) {
  const mismatches = d.checksums.filter((c) => !c.ok);
  return h(
    'article',
    { 'data-drill-detail': d.id },
    h(
      'header',
      null,
      h('h3', null, `Drill #${d.id}`, ' ', badge(d.status, DRILL_TONE[d.status] ?? 'neutral')),
      h('button', { type: 'button', class: 'link dismiss', 'aria-label': 'Close', onclick: onClose }, '×'),
    ),
    d.error ? h('p', { class: 'error-box', role: 'alert' }, d.error) : null,
    mismatches.length
      ? h(
          'ul',
          { class: 'issues' },
          mismatches.map((c) =>
            h(
              'li',
              null,
              `${c.column ? `${c.table}.${c.column}` : c.table}: ${c.rows} rows before, ${c.actualRows ?? 'missing'} after`,
            ),
          ),
        )
      : null,
    stepsTable(d.steps),
  );
}

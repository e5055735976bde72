// The line at a glance: each production graph drawn as its DAG (laid out by dagre), with what
// sits at every node now and what it finished in the last hour, the bottleneck marked. Read
// from the core's own tables (GET /floor/lines/:id), so it works with the dashboard off.
import dagre from '../../vendor/dagre.js';
import { api, flagValues, query } from '../api.js';
import { badge, fill, h, refill, table, when } from '../dom.js';
import { FLAGS } from '../flags.js';

const RELOAD_MS = 5_000;
const DASHBOARD_FLAG = FLAGS.dashboard;
const SVG = 'http://www.w3.org/2000/svg';
const NODE = { width: 150, height: 78 };

export default {
  path: 'line',
  title: 'Line',
  role: 'viewer',
  async render(ctx) {
    const graphs = await api('GET', '/graphs');
    if (graphs.length === 0) {
      fill(ctx.root, h('h1', null, 'Line'), h('p', { class: 'card muted' }, 'No production graph is published yet.'));
      return;
    }
    const wanted = Number(ctx.params.get('graph'));
    const graph = graphs.find((g) => g.id === wanted) ?? graphs[0];
    const picker = h(
      'select',
      {
        name: 'graph',
        'aria-label': 'Production graph',
        onchange: () => (location.hash = `#/line?graph=${picker.value}`),
      },
      graphs.map((g) => h('option', { value: g.id, selected: g.id === graph.id }, `${g.name} (${g.code})`)),
    );
    const stamp = h('span', { class: 'muted small', 'aria-live': 'polite' });
    const source = h('p', { class: 'muted small', 'data-source': 'core' });
    const drawing = h('div', { class: 'dag-wrap' });
    const counts = h('div');
    const tokens = h(
      'section',
      { class: 'card', 'aria-live': 'polite' },
      h('p', { class: 'muted' }, 'Choose a node to list its tokens.'),
    );
    fill(
      ctx.root,
      h(
        'div',
        { class: 'page-head' },
        h('h1', null, 'Line'),
        stamp,
        picker,
        h('button', { type: 'button', onclick: () => load() }, 'Reload'),
      ),
      source,
      h('section', { class: 'card' }, drawing),
      h('div', { class: 'cards' }, h('section', { class: 'card' }, h('h2', null, 'Per node'), counts), tokens),
    );

    const layout = layOut(graph);
    const shapes = draw(drawing, graph, layout, (node) => void showTokens(node));
    let selected = null;

    async function load() {
      try {
        const [line, flags] = await Promise.all([api('GET', `/floor/lines/${graph.id}`), flagValues()]);
        fill(stamp, `live, as of ${when(line.at)}`);
        fill(
          source,
          'Counted from the core tables (tokens and their events), not from the dashboard: ',
          flags[DASHBOARD_FLAG]
            ? 'it works the same with the dashboard (Phase 10) off.'
            : h('strong', null, 'the dashboard (Phase 10) is off, and this page works without it.'),
        );
        const byId = new Map(line.nodes.map((n) => [n.nodeId, n]));
        for (const [id, shape] of shapes) shape.update(byId.get(id), id === line.bottleneckNodeId);
        refill(counts, line.nodes.concat(line.bottleneckNodeId), () =>
          table(
            ['Node', 'Waiting', 'In progress', `Finished (${line.windowMinutes} min)`],
            graph.nodes.map((n) => {
              const c = byId.get(n.id);
              return [
                [
                  n.name,
                  ' ',
                  h('code', null, n.code),
                  n.id === line.bottleneckNodeId ? [' ', badge('bottleneck', 'bad')] : null,
                ],
                c.waiting,
                c.inProgress,
                c.finished,
              ];
            }),
            {
              rowProps: (i) => ({
                'data-node': graph.nodes[i].code,
                'data-counts': countsOf(byId.get(graph.nodes[i].id)),
              }),
            },
          ),
        );
        if (selected) await showTokens(selected, false);
      } catch (error) {
        ctx.reportError(error);
      }
    }

    async function showTokens(node, focus = true) {
      selected = node;
      for (const [id, shape] of shapes) shape.select(id === node.id);
      try {
        const pages = await Promise.all(
          ['in_progress', 'waiting'].map((status) =>
            api('GET', `/tokens${query({ nodeId: node.id, status, limit: 100 })}`),
          ),
        );
        const open = pages.flatMap((p) => p.items);
        const more = pages.some((p) => p.nextCursor !== null);
        const heading = h('h2', { tabindex: -1 }, `Tokens at ${node.name} `, h('code', null, node.code));
        refill(tokens, { node: node.id, open, more }, () => [
          heading,
          table(
            ['Token', 'Job', 'Status', 'Since'],
            open.map((t) => [
              h('a', { href: `#/token/${t.id}` }, t.serial),
              h('a', { href: `#/jobs/${t.jobId}` }, t.jobCode),
              statusBadge(t.status),
              when(t.updatedAt),
            ]),
            { empty: 'No token is waiting or in progress here.', rowProps: (i) => ({ 'data-token': open[i].serial }) },
          ),
          more
            ? h('p', { class: 'muted small' }, 'The first 100 in progress and the first 100 waiting are listed.')
            : null,
        ]);
        tokens.dataset.node = node.code;
        if (focus) tokens.querySelector('h2')?.focus();
      } catch (error) {
        ctx.reportError(error);
      }
    }

    ctx.every(RELOAD_MS, load);
    await load();
  },
};

const countsOf = (c) => `${c.waiting}/${c.inProgress}/${c.finished}`;

export function statusBadge(status) {
  const tone = { waiting: 'info', in_progress: 'warn', done: 'ok', scrapped: 'bad' }[status] ?? 'neutral';
  return badge(status.replace('_', ' '), tone);
}

function layOut(graph) {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 48, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) g.setNode(n.code, { ...NODE });
  for (const e of graph.edges)
    g.setEdge(
      e.from,
      e.to,
      { label: e.outcome ?? '', width: e.outcome ? 36 : 0, height: e.outcome ? 16 : 0, labelpos: 'c' },
      String(e.id),
    );
  dagre.layout(g);
  return g;
}

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs ?? {})) if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

/** The DAG as SVG: edges with their outcome labels, and each node a keyboard-reachable button. */
function draw(container, graph, layout, onPick) {
  const { width, height } = layout.graph();
  const root = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    class: 'dag',
    role: 'group',
    'aria-label': `${graph.name}: nodes and edges, left to right`,
  });
  root.append(
    svg(
      'defs',
      null,
      svg(
        'marker',
        {
          id: 'arrow',
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto-start-reverse',
        },
        svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'dag-arrow' }),
      ),
    ),
  );
  for (const e of graph.edges) {
    const edge = layout.edge({ v: e.from, w: e.to, name: String(e.id) });
    const d = edge.points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
    root.append(svg('path', { d, class: 'dag-edge', 'marker-end': 'url(#arrow)' }));
    if (e.outcome)
      root.append(
        svg('text', { x: edge.x, y: edge.y + 4, class: 'dag-edge-label', 'text-anchor': 'middle' }, e.outcome),
      );
  }
  const shapes = new Map();
  for (const n of graph.nodes) {
    const box = layout.node(n.code);
    const x = box.x - NODE.width / 2;
    const y = box.y - NODE.height / 2;
    const shownName = n.name.length > 18 ? `${n.name.slice(0, 17)}…` : n.name;
    const numbers = svg('text', { x: x + 10, y: y + 62, class: 'dag-counts' });
    // the name is the text on screen; the description says what its symbols mean
    const description = svg('desc');
    const group = svg(
      'g',
      { class: `dag-node kind-${n.kind}`, tabindex: 0, role: 'button', 'data-node': n.code },
      description,
      svg('rect', { x, y, width: NODE.width, height: NODE.height, rx: 8 }),
      svg('text', { x: x + 10, y: y + 20, class: 'dag-code' }, n.code),
      svg('text', { x: x + 10, y: y + 38, class: 'dag-name' }, shownName),
      numbers,
    );
    const pick = () => onPick(n);
    group.addEventListener('click', pick);
    group.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter' && event.key !== ' ') return;
      event.preventDefault();
      pick();
    });
    root.append(group);
    shapes.set(n.id, {
      update(c, isBottleneck) {
        numbers.textContent = `W ${c.waiting} · P ${c.inProgress} · F ${c.finished}`;
        group.classList.toggle('bottleneck', isBottleneck);
        group.dataset.counts = countsOf(c);
        description.textContent = `${n.name}: ${c.waiting} waiting, ${c.inProgress} in progress, ${c.finished} finished in the last hour${isBottleneck ? '; the bottleneck' : ''}. Press to list its tokens.`;
      },
      select(on) {
        group.classList.toggle('selected', on);
        group.setAttribute('aria-pressed', String(on));
      },
    });
  }
  fill(
    container,
    root,
    h(
      'p',
      { class: 'muted small legend' },
      'W waiting · P in progress · F finished in the last hour · ',
      h('span', { class: 'legend-bottleneck' }, 'red border'),
      ': the bottleneck (longest queue)',
    ),
  );
  // too narrow to read when scaled down: keep a floor and let the card scroll sideways
  root.style.minWidth = `${Math.round(width * 0.72)}px`;
  return shapes;
}

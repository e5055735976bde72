// The station kiosk: a full-screen page for a tablet beside a barcode scanner that types the
// barcode and presses Enter. Every scan gets a large coloured answer; the last ten stay
// listed; focus goes back to the scan field by itself; a lost server is retried until it
// answers again, and the screen says so.
import { api } from '../api.js';
import { fill, h } from '../dom.js';

const HEARTBEAT_MS = 5_000;
const RETRY_MS = 1_000;
/** After a touch on another control (outcome, operator), the field takes the focus back. */
const REFOCUS_MS = 4_000;
const KEEP = 10;
const clock = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

/** What the operator reads after a scan, by kind. */
const TONES = {
  started: 'info',
  routed: 'ok',
  finished: 'ok',
  oem: 'ok',
  duplicate: 'warn',
  'wrong-station': 'bad',
  unknown: 'bad',
  refused: 'bad',
  offline: 'bad',
};

export default {
  path: 'station',
  title: 'Station',
  role: ['station', 'operator'],
  async render(ctx) {
    const code = ctx.rest[0];
    const graphs = await api('GET', '/graphs');
    const stations = [...new Set(graphs.flatMap((g) => g.nodes.map((n) => n.stationCode)).filter(Boolean))].sort();
    if (!code) {
      fill(
        ctx.root,
        h('h1', null, 'Station kiosk'),
        h(
          'section',
          { class: 'card' },
          h('p', null, 'Open the kiosk of a station (full screen, for the tablet beside its scanner):'),
          h(
            'ul',
            { class: 'station-list' },
            stations.map((s) => h('li', null, h('a', { href: `#/station/${encodeURIComponent(s)}` }, s))),
          ),
        ),
      );
      return;
    }
    const nodes = graphs.flatMap((g) =>
      g.nodes.filter((n) => n.stationCode === code).map((n) => ({ graph: g, node: n })),
    );
    const branches = [
      ...new Set(
        nodes.flatMap(({ graph, node }) =>
          graph.edges.filter((e) => e.from === node.code && e.outcome).map((e) => e.outcome),
        ),
      ),
    ];

    document.body.classList.add('kiosk');
    ctx.onLeave(() => document.body.classList.remove('kiosk'));

    const field = h('input', {
      name: 'barcode',
      class: 'scan-field',
      autocomplete: 'off',
      spellcheck: 'false',
      autocapitalize: 'off',
      'aria-label': 'Barcode',
      placeholder: 'Scan a barcode…',
      maxlength: 120,
    });
    const outcome = branches.length
      ? h(
          'select',
          { name: 'outcome' },
          branches.map((o) => h('option', { value: o, selected: o === 'pass' }, o)),
        )
      : null;
    const operator = h('input', { name: 'operatorCode', maxlength: 50, autocomplete: 'off', placeholder: 'optional' });
    const connection = h('div', { class: 'connection', role: 'status', 'data-connection': 'online' }, 'Connected');
    const result = h(
      'div',
      { class: 'scan-result neutral', role: 'status', 'aria-live': 'assertive', 'data-outcome': 'ready' },
      h('div', { class: 'scan-title' }, 'Ready'),
      h('div', { class: 'scan-detail' }, 'Scan a token at this station.'),
    );
    const recent = h('ol', { class: 'recent-scans', 'aria-label': 'Last ten scans' });
    const form = h(
      'form',
      { class: 'scan-form', onsubmit: (e) => (e.preventDefault(), void submit()) },
      field,
      h('button', { type: 'submit', class: 'primary' }, 'Scan'),
    );
    fill(
      ctx.root,
      h(
        'div',
        { class: 'kiosk-page', 'data-station': code },
        h(
          'header',
          { class: 'kiosk-head' },
          h(
            'div',
            null,
            h('h1', null, code),
            h(
              'div',
              { class: 'muted' },
              nodes.length
                ? nodes.map(({ node, graph }) => `${node.name} · ${graph.name}`).join(' / ')
                : 'No node is served by this station.',
            ),
          ),
          connection,
          h('a', { href: '#/station', class: 'kiosk-exit' }, 'Stations'),
        ),
        form,
        h(
          'div',
          { class: 'kiosk-options' },
          outcome ? h('label', { class: 'inline' }, 'Outcome of a completing scan ', outcome) : null,
          h('label', { class: 'inline' }, 'Operator ', operator),
        ),
        result,
        h('section', { class: 'recent' }, h('h2', null, 'Last ten scans'), recent),
      ),
    );

    // focus comes back by itself: at once when it went nowhere, after a moment from another control
    let refocus = null;
    const focusField = () => {
      clearTimeout(refocus);
      if (document.activeElement !== field && !document.querySelector('dialog[open]')) field.focus();
    };
    field.addEventListener('blur', (event) => {
      clearTimeout(refocus);
      refocus = setTimeout(focusField, event.relatedTarget ? REFOCUS_MS : 0);
    });
    for (const control of [outcome, operator].filter(Boolean))
      control.addEventListener('change', () => (refocus = setTimeout(focusField, 0)));
    ctx.onLeave(() => clearTimeout(refocus));
    field.focus();

    let online = true;
    let busy = false;

    function show(kind, title, detail) {
      result.className = `scan-result ${TONES[kind] ?? 'neutral'}`;
      result.dataset.outcome = kind;
      result.dataset.seq = String(Number(result.dataset.seq ?? 0) + 1);
      fill(result, h('div', { class: 'scan-title' }, title), h('div', { class: 'scan-detail' }, detail));
      recent.prepend(
        h(
          'li',
          { class: `tone-${TONES[kind] ?? 'neutral'}`, 'data-outcome': kind },
          h('span', { class: 'when' }, clock.format(new Date())),
          ' ',
          h('strong', null, title),
          ' ',
          h('span', { class: 'muted' }, detail),
        ),
      );
      while (recent.children.length > KEEP) recent.lastChild.remove();
    }

    function setConnection(state, text) {
      connection.dataset.connection = state;
      fill(connection, text);
    }

    async function submit() {
      const barcode = field.value.trim();
      field.value = '';
      focusField();
      if (!barcode || busy) return;
      busy = true;
      try {
        const body = {
          stationCode: code,
          barcode,
          ...(outcome ? { outcome: outcome.value } : {}),
          ...(operator.value.trim() ? { operatorCode: operator.value.trim() } : {}),
        };
        const r = await api('POST', '/scans', body);
        if (r.duplicate)
          show(
            'duplicate',
            'Already scanned',
            `${barcode}: the same scan a moment ago; nothing changed (${describe(r)}).`,
          );
        else if (r.handledBy === 'oem')
          show(
            'oem',
            'OEM step advanced',
            `${barcode}: ${r.action}${r.message ? `, ${r.message}` : ''}${r.token ? ` (token ${r.token.serial} at ${r.token.nodeCode})` : ''}.`,
          );
        else if (r.action === 'started')
          show('started', 'Started', `${r.token.serial}: work started at ${r.token.nodeCode}.`);
        else if (r.action === 'finished')
          show(
            'finished',
            'Completed: finished',
            `${r.token.serial}: done at ${r.fromNodeCode}${r.outcome ? ` (${r.outcome})` : ''}, routed to ${r.token.nodeCode}; the token is finished.`,
          );
        else
          show(
            'routed',
            `Completed → ${r.token.nodeCode}`,
            `${r.token.serial}: done at ${r.fromNodeCode}${r.outcome ? ` (${r.outcome})` : ''}, routed to ${r.token.nodeCode}.`,
          );
      } catch (error) {
        if (error.status === 0) {
          show('offline', 'Not recorded', `${barcode}: Phasegate did not answer. Scan it again once reconnected.`);
          lost();
        } else if (error.code === 'WRONG_STATION') show('wrong-station', 'Wrong station', error.message);
        else if (error.status === 404)
          show('unknown', 'Unknown barcode', `${barcode}: no token or OEM ticket has this barcode.`);
        else if (error.status === 401) ctx.reportError(error);
        else show('refused', 'Refused', `${error.code}: ${error.message}`);
      } finally {
        busy = false;
      }
    }

    /** The server is gone (a restart, the network): retry until it answers, then say so. */
    function lost() {
      if (!online) return;
      online = false;
      setConnection('offline', 'Connection lost: reconnecting…');
      const retry = setInterval(async () => {
        try {
          await api('GET', '/auth/me');
        } catch (error) {
          if (error.status === 0 || error.status >= 500) return;
          clearInterval(retry);
          return ctx.reportError(error);
        }
        clearInterval(retry);
        online = true;
        setConnection('reconnected', `Reconnected at ${clock.format(new Date())}`);
      }, RETRY_MS);
      ctx.onLeave(() => clearInterval(retry));
    }

    // without a scan, notice a lost server too
    ctx.every(HEARTBEAT_MS, async () => {
      if (!online) return;
      try {
        await api('GET', '/auth/me');
      } catch (error) {
        if (error.status === 0 || error.status >= 500) lost();
        else ctx.reportError(error);
      }
    });
  },
};

function describe(r) {
  if (!r.token) return r.action;
  return r.action === 'started' ? `started at ${r.token.nodeCode}` : `${r.action}, now at ${r.token.nodeCode}`;
}

// Building blocks for the pages. Everything from the API reaches the page as text nodes or
// attribute values (never markup), so nothing it contains can run.

/**
 * h('button', { class: 'primary', onclick: fn, disabled: true }, 'Save')
 * Children may be strings, numbers, nodes, arrays of them, or null/false (skipped).
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces an element's content. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function badge(text, tone = 'neutral', title) {
  return h('span', { class: `badge ${tone}`, title }, text);
}

/**
 * A table that scrolls sideways inside its card on narrow screens.
 * @param {string[]} headings
 * @param {Array<Array<unknown>>} rows cells as h() children
 * @param {{empty?: string, rowProps?: (index: number) => object, caption?: string}} [options]
 */
export function table(headings, rows, options = {}) {
  if (rows.length === 0 && options.empty) return h('p', { class: 'muted' }, options.empty);
  const wrap = h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      null,
      options.caption ? h('caption', null, options.caption) : null,
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          headings.map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      h(
        'tbody',
        null,
        rows.map((cells, i) =>
          h(
            'tr',
            options.rowProps?.(i) ?? null,
            cells.map((c) => h('td', null, c)),
          ),
        ),
      ),
    ),
  );
  // a table wider than the screen scrolls inside its card: the keyboard must be able to scroll it too
  requestAnimationFrame(() => {
    if (wrap.scrollWidth <= wrap.clientWidth) return;
    wrap.tabIndex = 0;
    wrap.setAttribute('role', 'region');
    wrap.setAttribute(
      'aria-label',
      options.caption ? `${options.caption} (scrolls sideways)` : 'Table (scrolls sideways)',
    );
  });
  return wrap;
}

/** Key/value pairs as a definition list. */
export function facts(pairs) {
  return h(
    'dl',
    { class: 'facts' },
    pairs.filter(Boolean).map(([k, v]) => [h('dt', null, k), h('dd', null, v)]),
  );
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function when(value) {
  if (!value) return '—';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : dateTime.format(d);
}

export function duration(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return minutes < 60
    ? `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`
    : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** "3 min ago" from a timestamp, for cache ages and last runs. */
export function age(value, now = Date.now()) {
  if (!value) return '—';
  const ms = now - new Date(value).getTime();
  if (Number.isNaN(ms)) return String(value);
  return ms < 0 ? 'just now' : `${duration(ms)} ago`;
}

/** An API error as the operator should read it: code, message, each field, request id. */
export function errorBox(error, onDismiss) {
  const code = error.code ?? 'ERROR';
  const message = error.message ?? String(error);
  const fields = Array.isArray(error.errors) ? error.errors : [];
  const refusals = Array.isArray(error.body?.refusals) ? error.body.refusals : [];
  return h(
    'div',
    { class: 'error-box', role: 'alert', 'data-code': code },
    h('strong', { class: 'error-code' }, code),
    ' ',
    h('span', { class: 'error-message' }, message),
    fields.length
      ? h(
          'ul',
          null,
          fields.map((f) => h('li', null, h('code', null, f.field), ': ', (f.messages ?? []).join('; '))),
        )
      : null,
    refusals.length
      ? h(
          'ul',
          null,
          refusals.map((r) => h('li', null, r)),
        )
      : null,
    error.requestId ? h('div', { class: 'request-id' }, 'request id ', h('code', null, error.requestId)) : null,
    onDismiss
      ? h('button', { type: 'button', class: 'link dismiss', onclick: onDismiss, 'aria-label': 'Dismiss' }, '×')
      : null,
  );
}

/**
 * A modal dialog. `build(close)` returns its body; the dialog removes itself when closed.
 * Resolves with the value passed to close().
 */
export function modal(title, build, { wide = false } = {}) {
  return new Promise((resolve) => {
    const dialog = h('dialog', { class: wide ? 'wide' : null, 'aria-label': title });
    let result;
    const close = (value) => {
      result = value;
      dialog.close();
    };
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(result);
    });
    fill(
      dialog,
      h(
        'header',
        null,
        h('h2', null, title),
        h('button', { type: 'button', class: 'link dismiss', 'aria-label': 'Close', onclick: () => close() }, '×'),
      ),
      build(close),
    );
    document.body.append(dialog);
    dialog.showModal();
  });
}

/**
 * Asks for a reason (and optionally a typed confirmation word) before a change, then runs
 * `action(reason)`, showing its error inside the dialog so the operator can correct and retry.
 */
export function askReason({ title, intro, confirmLabel, confirmWord, danger = false, action }) {
  return modal(title, (close) => {
    const reason = h('textarea', {
      name: 'reason',
      required: true,
      minlength: 3,
      maxlength: 500,
      rows: 3,
      placeholder: 'Why? Kept in the audit trail',
    });
    const typed = confirmWord
      ? h('input', { name: 'confirm', required: true, autocomplete: 'off', spellcheck: 'false' })
      : null;
    const errors = h('div', { class: 'dialog-errors' });
    const submit = h('button', { type: 'submit', class: danger ? 'danger' : 'primary' }, confirmLabel);
    const form = h(
      'form',
      {
        onsubmit: async (event) => {
          event.preventDefault();
          fill(errors);
          if (typed && typed.value.trim() !== confirmWord) {
            fill(errors, errorBox({ code: 'NOT_CONFIRMED', message: `Type ${confirmWord} to confirm` }));
            return;
          }
          submit.disabled = true;
          try {
            close(await action(reason.value.trim()));
          } catch (error) {
            fill(errors, errorBox(error));
            submit.disabled = false;
          }
        },
      },
      intro ? h('div', { class: 'intro' }, intro) : null,
      h('label', null, 'Reason', reason),
      typed ? h('label', null, ['Type ', h('code', null, confirmWord), ' to confirm'], typed) : null,
      errors,
      h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => close() }, 'Cancel'), submit),
    );
    return form;
  });
}

/**
 * Asks "are you sure?" before an action that needs no reason, then runs `action()`, showing
 * its error inside the dialog. Resolves with the action's result, or undefined if cancelled.
 */
export function confirmAction({ title, intro, confirmLabel, danger = false, action }) {
  return modal(title, (close) => {
    const errors = h('div', { class: 'dialog-errors' });
    const submit = h('button', { type: 'submit', class: danger ? 'danger' : 'primary' }, confirmLabel);
    return h(
      'form',
      {
        onsubmit: async (event) => {
          event.preventDefault();
          fill(errors);
          submit.disabled = true;
          try {
            close(await action());
          } catch (error) {
            fill(errors, errorBox(error));
            submit.disabled = false;
          }
        },
      },
      h('div', { class: 'intro' }, intro),
      errors,
      h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => close() }, 'Cancel'), submit),
    );
  });
}

/** "3 of 20" with a bar, readable by a screen reader as a progress value. */
export function progressBar(done, total, label) {
  return h(
    'span',
    { class: 'progress' },
    h('progress', { value: Math.min(done, total), max: Math.max(total, 1), 'aria-label': label }),
    h('span', { class: 'small' }, `${done} of ${total}`),
  );
}

const shown = new WeakMap();

/**
 * Fills `el` with `build()` unless it already shows this `data`: a poll that finds nothing
 * new leaves the page, and the keyboard focus on it, as they are.
 */
export function refill(el, data, build) {
  const key = JSON.stringify(data);
  if (shown.get(el) === key) return el;
  shown.set(el, key);
  return fill(el, build());
}

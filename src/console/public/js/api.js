// Every call to the Phasegate API goes through here: it adds the key and turns every failure
// (an error body, a non-JSON answer, no answer at all) into one ApiError the pages can show.

const STORAGE_KEY = 'phasegate.apiKey';

/** The key lives for the browser tab's session only: never localStorage, never a cookie. */
export const session = {
  get key() {
    return sessionStorage.getItem(STORAGE_KEY);
  },
  set key(value) {
    if (value) sessionStorage.setItem(STORAGE_KEY, value);
    else sessionStorage.removeItem(STORAGE_KEY);
  },
};

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 when the server could not be reached
   * @param {{code?: string, message?: string, requestId?: string, errors?: Array<{field: string, messages: string[]}>}} body
   * @param {string | null} requestIdHeader
   */
  constructor(status, body, requestIdHeader) {
    super(body.message || `HTTP ${status}`);
    this.status = status;
    this.code = body.code || (status === 0 ? 'NETWORK' : `HTTP_${status}`);
    this.requestId = body.requestId || requestIdHeader || null;
    this.errors = Array.isArray(body.errors) ? body.errors : [];
    this.body = body;
  }
}

/**
 * @param {'GET'|'POST'|'PUT'|'PATCH'} method
 * @param {string} path below /api/v1, e.g. "/admin/flags"
 * @param {unknown} [body]
 * @param {{key?: string}} [options] a key to try instead of the session's (sign-in)
 */
export function api(method, path, body, options = {}) {
  return request(method, `/api/v1${path}`, body, options);
}

/**
 * The effective value of every phase flag, readable by any role through the standard
 * OpenFeature endpoint: pages ask it before calling an API that a flag switches off.
 * @returns {Promise<Record<string, boolean>>}
 */
export async function flagValues() {
  const answer = await request('POST', '/ofrep/v1/evaluate/flags', {});
  return Object.fromEntries(answer.flags.map((f) => [f.key, f.value === true]));
}

async function request(method, url, body, options = {}) {
  const key = options.key ?? session.key;
  // a page still loading when its operator signed out: its remaining calls end here, unsent
  if (!key) throw new ApiError(401, { code: 'SIGNED_OUT', message: 'Signed out' }, null);
  const headers = { Accept: 'application/json' };
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch (error) {
    throw new ApiError(
      0,
      { message: `Phasegate did not answer (${error instanceof Error ? error.message : String(error)})` },
      null,
    );
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      if (res.ok)
        throw new ApiError(
          res.status,
          { code: 'BAD_RESPONSE', message: 'The answer was not JSON' },
          res.headers.get('x-request-id'),
        );
    }
  }
  if (!res.ok) {
    const errorBody = data && typeof data === 'object' ? data : { message: `${res.status} ${res.statusText}` };
    throw new ApiError(res.status, errorBody, res.headers.get('x-request-id'));
  }
  return data;
}

/** Query string from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

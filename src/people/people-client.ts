import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Counter } from 'prom-client';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { Environment } from '../config/environment.js';

/** A People API failure that retrying did not (or cannot) fix. */
export class PeopleApiError extends Error {
  override readonly name = 'PeopleApiError';
}

type Attempt = { body: unknown } | { retry: string; retryAfterMs: number | null };

/**
 * The read-only People API client (docs/people-api.md). Every request has a timeout; 5xx,
 * 429, timeouts and network errors are retried with exponential backoff and jitter, a 429's
 * Retry-After taking the backoff's place; other 4xx and unreadable bodies fail at once.
 * The caller's signal (a job being stopped) ends everything, backoff sleeps included.
 */
@Injectable()
export class PeopleClient {
  private readonly logger = new Logger(PeopleClient.name);
  private readonly baseUrl: string;
  private readonly token: string;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly backoffMs: number;
  private readonly backoffMaxMs: number;
  private readonly pageSize: number;
  private readonly requests: Counter;

  constructor(config: ConfigService<Environment, true>, metrics: MetricsService) {
    this.baseUrl = config.get('PEOPLE_API_URL', { infer: true }).replace(/\/+$/, '');
    this.token = config.get('PEOPLE_API_TOKEN', { infer: true });
    this.timeoutMs = config.get('PEOPLE_API_TIMEOUT_MS', { infer: true });
    this.maxRetries = config.get('PEOPLE_API_MAX_RETRIES', { infer: true });
    this.backoffMs = config.get('PEOPLE_API_BACKOFF_MS', { infer: true });
    this.backoffMaxMs = config.get('PEOPLE_API_BACKOFF_MAX_MS', { infer: true });
    this.pageSize = config.get('PEOPLE_API_PAGE_SIZE', { infer: true });
    this.requests = metrics.counter('people_api_requests_total', 'People API requests by endpoint and outcome', [
      'endpoint',
      'outcome',
    ]);
  }

  /**
   * Every page of a cursor-paginated list, one page's items at a time. The next page is
   * requested as soon as its cursor is known, so the People API serves it while the caller
   * works through the current one.
   */
  async *pages(path: string, params: Record<string, string>, signal: AbortSignal): AsyncGenerator<unknown[]> {
    const request = (cursor: string | null) => {
      const page = this.get(path, { ...params, limit: String(this.pageSize), ...(cursor ? { cursor } : {}) }, signal);
      // awaited below; marked handled so a caller that stops early leaves no unhandled rejection
      page.catch(() => undefined);
      return page;
    };
    let next = request(null);
    for (;;) {
      const body = await next;
      if (!isPage(body)) throw new PeopleApiError(`${path}: the answer is not a page ({items, next_cursor})`);
      const cursor = body.next_cursor ?? null;
      if (cursor) next = request(cursor);
      yield body.items;
      if (!cursor) return;
    }
  }

  async get(path: string, params: Record<string, string>, signal: AbortSignal): Promise<unknown> {
    const url = `${this.baseUrl}${path}?${new URLSearchParams(params)}`;
    for (let attempt = 0; ; attempt++) {
      signal.throwIfAborted();
      const outcome = await this.attempt(path, url, signal);
      if ('body' in outcome) return outcome.body;
      if (attempt >= this.maxRetries)
        throw new PeopleApiError(`${path}: ${outcome.retry}, gave up after ${attempt + 1} attempts`);
      const delayMs = Math.min(this.backoffMaxMs, outcome.retryAfterMs ?? this.backoff(attempt));
      this.logger.warn({
        msg: 'people api retry',
        endpoint: path,
        attempt: attempt + 1,
        failure: outcome.retry,
        delayMs,
      });
      await sleep(delayMs, signal);
    }
  }

  private async attempt(path: string, url: string, signal: AbortSignal): Promise<Attempt> {
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { authorization: `Bearer ${this.token}`, accept: 'application/json' },
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.timeoutMs)]),
      });
      if (response.ok) {
        const body: unknown = await response.json().catch((error: unknown) => {
          if (signal.aborted || isTimeout(error)) throw error;
          throw new PeopleApiError(`${path}: the answer is not JSON`);
        });
        this.requests.inc({ endpoint: path, outcome: 'ok' });
        return { body };
      }
    } catch (error) {
      if (signal.aborted || error instanceof PeopleApiError) throw error;
      const outcome = isTimeout(error) ? 'timeout' : 'network';
      this.requests.inc({ endpoint: path, outcome });
      return {
        retry:
          outcome === 'timeout'
            ? `no answer within ${this.timeoutMs} ms`
            : `network error (${(error as Error).message})`,
        retryAfterMs: null,
      };
    }
    await response.body?.cancel().catch(() => undefined);
    const status = response.status;
    this.requests.inc({
      endpoint: path,
      outcome: status === 429 ? 'rate_limited' : `http_${Math.floor(status / 100)}xx`,
    });
    if (status !== 429 && status < 500) throw new PeopleApiError(`${path}: HTTP ${status}`);
    return {
      retry: `HTTP ${status}`,
      retryAfterMs: status === 429 ? retryAfterMs(response.headers.get('retry-after')) : null,
    };
  }

  /** "Equal jitter": half the exponential step for sure, the other half at random, so replicas spread out. */
  private backoff(attempt: number): number {
    const step = Math.min(this.backoffMaxMs, this.backoffMs * 2 ** attempt);
    return step / 2 + Math.random() * (step / 2);
  }
}

function isPage(body: unknown): body is { items: unknown[]; next_cursor?: string | null } {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { items?: unknown }).items)) return false;
  const cursor = (body as { next_cursor?: unknown }).next_cursor;
  return cursor === undefined || cursor === null || (typeof cursor === 'string' && cursor.length > 0);
}

// by name: the DOMException may come from another realm (as under jest), where instanceof fails
function isTimeout(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'TimeoutError';
}

/** Retry-After in seconds or as an HTTP date; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      // what the signal was aborted with: a stopping job's Error, or abort()'s DOMException
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

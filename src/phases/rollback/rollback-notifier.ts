import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Environment } from '../../config/environment.js';

export type RollbackEvent = 'rollback.started' | 'rollback.finished';

/**
 * Posts a JSON notice to ROLLBACK_WEBHOOK_URL. Each call is bounded by
 * ROLLBACK_WEBHOOK_TIMEOUT_MS and never throws: a dead or slow receiver costs the rollback an
 * entry under "issues", never a step.
 */
@Injectable()
export class RollbackNotifier {
  private readonly logger = new Logger(RollbackNotifier.name);
  private readonly url?: string;
  private readonly timeoutMs: number;

  constructor(config: ConfigService<Environment, true>) {
    this.url = config.get('ROLLBACK_WEBHOOK_URL', { infer: true });
    this.timeoutMs = config.get('ROLLBACK_WEBHOOK_TIMEOUT_MS', { infer: true });
  }

  /** Resolves to null when delivered (or no webhook is configured), otherwise to what went wrong. */
  async notify(event: RollbackEvent, body: Record<string, unknown>): Promise<string | null> {
    if (!this.url) return null;
    try {
      const res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ event, at: new Date().toISOString(), ...body }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (res.ok) return null;
      return this.failed(event, `answered HTTP ${res.status}`);
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      return this.failed(event, timedOut ? `did not answer within ${this.timeoutMs} ms` : `failed: ${(error as Error).message}`);
    }
  }

  private failed(event: RollbackEvent, why: string): string {
    const issue = `webhook ${event} notice ${why}`;
    this.logger.warn({ msg: 'rollback webhook failed', event, why });
    return issue;
  }
}

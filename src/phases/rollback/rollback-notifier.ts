import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Environment } from '../../config/environment.js';
import { deliverRollbackNotice, type RollbackEvent, type WebhookTarget } from './rollback-webhook.js';

export type { RollbackEvent } from './rollback-webhook.js';

/**
 * Posts a JSON notice to ROLLBACK_WEBHOOK_URL. Each call is bounded by
 * ROLLBACK_WEBHOOK_TIMEOUT_MS and never throws: a dead or slow receiver costs the rollback an
 * entry under "issues", never a step.
 */
@Injectable()
export class RollbackNotifier {
  private readonly logger = new Logger(RollbackNotifier.name);
  private readonly target: WebhookTarget;

  constructor(config: ConfigService<Environment, true>) {
    this.target = {
      url: config.get('ROLLBACK_WEBHOOK_URL', { infer: true }),
      timeoutMs: config.get('ROLLBACK_WEBHOOK_TIMEOUT_MS', { infer: true }),
    };
  }

  /** Resolves to null when delivered (or no webhook is configured), otherwise to what went wrong. */
  async notify(event: RollbackEvent, body: Record<string, unknown>): Promise<string | null> {
    const issue = await deliverRollbackNotice(this.target, event, body);
    if (issue) this.logger.warn({ msg: 'rollback webhook failed', event, why: issue });
    return issue;
  }
}

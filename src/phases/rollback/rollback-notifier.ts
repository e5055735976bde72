import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Environment } from '../../config/environment.js';
import { PhaseRegistry } from '../phase-registry.service.js';
import type { RollbackLogEntry } from './rollback-log.entity.js';
import { rollbackNotice, type RollbackEvent } from './rollback-notice.js';
import { NoticeSender, RETRY } from './rollback-webhook.js';

export type { RollbackEvent } from './rollback-notice.js';

/**
 * Posts a rollback's notices to ROLLBACK_WEBHOOK_URL, in order, signed when
 * ROLLBACK_WEBHOOK_SECRET is set. A caller waits at most about ROLLBACK_WEBHOOK_TIMEOUT_MS per
 * notice and nothing ever throws: a dead or slow receiver costs the rollback an entry under
 * "issues", never a step. Retries run in the background; shutdown waits a bounded time for them.
 */
@Injectable()
export class RollbackNotifier implements OnApplicationShutdown {
  private readonly logger = new Logger(RollbackNotifier.name);
  private readonly sender: NoticeSender;
  private readonly contact: string;
  private readonly closeWithinMs: number;

  constructor(
    config: ConfigService<Environment, true>,
    private readonly registry: PhaseRegistry,
  ) {
    this.contact = config.get('ROLLBACK_CONTACT', { infer: true });
    this.closeWithinMs = RETRY.attempts * config.get('ROLLBACK_WEBHOOK_TIMEOUT_MS', { infer: true });
    this.sender = new NoticeSender(
      {
        url: config.get('ROLLBACK_WEBHOOK_URL', { infer: true }),
        timeoutMs: config.get('ROLLBACK_WEBHOOK_TIMEOUT_MS', { infer: true }),
        secret: config.get('ROLLBACK_WEBHOOK_SECRET', { infer: true }),
      },
      (event, why) => this.logger.warn({ msg: 'rollback webhook gave up', event, why }),
    );
  }

  /** Resolves to null when delivered at the first attempt (or no webhook is configured), otherwise to what went wrong. */
  async notify(event: RollbackEvent, entry: RollbackLogEntry): Promise<string | null> {
    const phases = this.registry.all().map(({ number, title, legacyFallback }) => ({ number, title, legacyFallback }));
    const issue = await this.sender.send(event, rollbackNotice(event, entry, { contact: this.contact, phases }));
    if (issue) this.logger.warn({ msg: 'rollback webhook failed', event, why: issue });
    return issue;
  }

  /** The rollout guard's pause notice, through the same sender (in order with the rollbacks' notices). */
  async notifyPause(notice: object): Promise<string | null> {
    const issue = await this.sender.send('rollout.paused', notice);
    if (issue) this.logger.warn({ msg: 'rollout pause webhook failed', why: issue });
    return issue;
  }

  /** The contact every notice names (ROLLBACK_CONTACT). */
  get noticeContact(): string {
    return this.contact;
  }

  /** Retries still due get as long as one notice's attempts could take, then are given up (and logged). */
  async onApplicationShutdown(): Promise<void> {
    await this.sender.close(this.closeWithinMs);
  }
}

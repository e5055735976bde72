export type RollbackEvent = 'rollback.started' | 'rollback.finished';

export interface WebhookTarget {
  url?: string;
  timeoutMs: number;
}

/**
 * Posts one JSON notice, bounded by the target's timeout; never throws. Resolves to null when
 * delivered (or no webhook is configured), otherwise to the issue the rollback records.
 * Plain fetch, so the lean emergency path posts exactly what RollbackNotifier posts.
 */
export async function deliverRollbackNotice(
  target: WebhookTarget,
  event: RollbackEvent,
  body: Record<string, unknown>,
): Promise<string | null> {
  if (!target.url) return null;
  const issue = (why: string) => `webhook ${event} notice ${why}`;
  try {
    const res = await fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event, at: new Date().toISOString(), ...body }),
      signal: AbortSignal.timeout(target.timeoutMs),
    });
    return res.ok ? null : issue(`answered HTTP ${res.status}`);
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError';
    return issue(timedOut ? `did not answer within ${target.timeoutMs} ms` : `failed: ${(error as Error).message}`);
  }
}

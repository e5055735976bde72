import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One delivery as the receiver saw it: the parsed notice, whether its signature held, and what it answered. */
export interface Delivery {
  notice: Record<string, unknown> & { event: string; noticeId: string; noticeStatus: string; rollback: number };
  verified: boolean;
  answered: number | 'hang';
  receivedAt: number;
}

/**
 * A real HTTP receiver for the rollback webhook that checks each delivery the way the README
 * tells receivers to: HMAC-SHA256 with the shared secret over "<timestamp>.<raw body>",
 * compared in constant time, the timestamp within five minutes. `answers` scripts the next
 * replies (a status, or 'hang' for no answer at all); once it is empty every delivery gets 200.
 */
export async function startWebhookReceiver(secret: string) {
  const answers: Array<number | 'hang'> = [];
  const deliveries: Delivery[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const answered = answers.shift() ?? 200;
      deliveries.push({
        notice: JSON.parse(raw) as Delivery['notice'],
        verified: verify(secret, req.headers, raw),
        answered,
        receivedAt: Date.now(),
      });
      if (answered !== 'hang') res.writeHead(answered).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    answers,
    deliveries,
    /** The deliveries of one rollback's notices, in arrival order. */
    of: (rollback: number) => deliveries.filter((d) => d.notice.rollback === rollback),
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

function verify(secret: string, headers: Record<string, string | string[] | undefined>, raw: string): boolean {
  const timestamp = headers['x-phasegate-timestamp'];
  const signature = headers['x-phasegate-signature'];
  if (typeof timestamp !== 'string' || typeof signature !== 'string') return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = Buffer.from(`v1=${createHmac('sha256', secret).update(`${timestamp}.${raw}`).digest('hex')}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

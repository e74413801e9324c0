import type { FastifyInstance } from 'fastify';
import { FunnelQuery } from '../../api/friction.js';
import type { Authenticators } from '../http/route.js';
import type { Services } from '../services.js';
import { frictionRegistry, type FrictionSnapshot } from './metrics.js';

/**
 * The Prometheus endpoint: friction metrics, no personal data in any label. Each scrape reads the
 * database afresh (`?since=7d` picks the period, 30 days by default), so every instance answers the same.
 */
export function registerMetrics(app: FastifyInstance, services: Services, auth: Authenticators): void {
  let current: FrictionSnapshot | null = null;
  const registry = frictionRegistry(() => {
    if (!current) throw new Error('metrics collected outside a scrape');
    return current;
  });
  // One scrape at a time: the registry's collectors read the snapshot the running scrape computed.
  let queue: Promise<unknown> = Promise.resolve();
  app.get('/metrics', async (request, reply) => {
    await auth.admin(request, 'metrics:read');
    const { since } = FunnelQuery.parse(request.query ?? {});
    const scrape = queue.then(async () => {
      current = await services.friction.snapshot(since);
      try {
        return await registry.metrics();
      } finally {
        current = null;
      }
    });
    queue = scrape.catch(() => undefined);
    const body = await scrape;
    return reply.header('content-type', registry.contentType).send(body);
  });
}

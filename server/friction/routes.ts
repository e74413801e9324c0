import type { FastifyInstance } from 'fastify';
import type { Authenticators } from '../http/route.js';
import type { Services } from '../services.js';

/** The Prometheus endpoint: friction metrics, no personal data in any label. */
export function registerMetrics(_app: FastifyInstance, _services: Services, _auth: Authenticators): void {}

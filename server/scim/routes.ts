import type { FastifyInstance } from 'fastify';
import type { Authenticators } from '../http/route.js';
import type { Services } from '../services.js';

/** SCIM 2.0 (RFC 7644) for identity providers' provisioning: joiners, movers and leavers. */
export function registerScim(_app: FastifyInstance, _services: Services, _auth: Authenticators): void {}

import type { FastifyRequest } from 'fastify';
import type { ZodType } from 'zod';
import type { Caller } from '../context.js';

export function parse<T>(schema: ZodType<T>, value: unknown): T {
  return schema.parse(value);
}

/** How route modules learn who calls: the proof's key alone, or a session token and its key. */
export interface Callers {
  proofKey(request: FastifyRequest): Promise<string>;
  caller(request: FastifyRequest): Promise<Caller>;
}

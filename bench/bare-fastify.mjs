// The baseline for the compiled server's cold start (bench/load.bench.ts): Fastify from
// node_modules, one route, listening. Nothing else: no database, no schemas, no compile cache.
import Fastify from 'fastify';

const app = Fastify();
app.get('/healthz', () => ({ ok: true }));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });

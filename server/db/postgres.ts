import { CompiledQuery, Kysely, PostgresDialect, PostgresDriver, type DatabaseConnection, type TransactionSettings } from 'kysely';
import pg from 'pg';
import { DatabaseSetupError, type DatabaseHandle } from './handle.js';
import type { Database } from './schema.js';

const INT8_OID = 20;

/**
 * COUNT(*), BIGINT counters and BIGSERIAL keys come back as numbers, as they do from SQLite.
 * Every such value the server stores (signature counters, row counts, sequence numbers) stays
 * far below 2^53; a value that did not would be refused rather than rounded.
 */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`integer ${text} does not fit a JavaScript number`);
  return value;
}

type Parser = (value: string) => unknown;
const builtinParser = pg.types.getTypeParser as (oid: number, format?: 'text' | 'binary') => Parser;

const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary'): Parser =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : builtinParser(oid, format),
};

/**
 * Every transaction first takes one transaction-scoped advisory lock, so write transactions run
 * one at a time across every instance, as they do in SQLite. The audit trail is a hash chain that
 * needs a total order anyway, and every read-check-write rule (a factor limit, one approval per
 * agent, a code used once) keeps the meaning it has on SQLite. Plain reads and single-statement
 * conditional updates run outside it, in parallel. The key is per schema, so separate FirstKey
 * schemas in one database do not wait on each other.
 */
class SerializedWritesDriver extends PostgresDriver {
  override async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await super.beginTransaction(connection, settings);
    await connection.executeQuery(
      CompiledQuery.raw("select pg_advisory_xact_lock(hashtextextended('firstkey.writes:' || current_schema(), 0))"),
    );
  }
}

class SerializedWritesDialect extends PostgresDialect {
  constructor(private readonly settings: ConstructorParameters<typeof PostgresDialect>[0]) {
    super(settings);
  }
  override createDriver(): PostgresDriver {
    return new SerializedWritesDriver(this.settings);
  }
}

/** Host and database, for logs: the URL without its password. */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const host = parsed.hostname || parsed.searchParams.get('host') || 'localhost';
    return `postgres://${host}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname}`;
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

function failure(url: string, problem: string, cause: unknown): DatabaseSetupError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new DatabaseSetupError(`FIRSTKEY_DATABASE_URL=${describePostgresUrl(url)}: ${problem} (${detail})`, { cause });
}

export interface PostgresOptions {
  /** Connections per instance; the database's max_connections bounds the sum over instances. */
  poolSize?: number;
}

/** Connects to PostgreSQL at `url` and checks that it answers, so a wrong URL stops the server at start with its cause. */
export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<DatabaseHandle> {
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new DatabaseSetupError(`FIRSTKEY_DATABASE_URL must be a postgres:// URL (got ${describePostgresUrl(url)})`);
  }
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10, types, connectionTimeoutMillis: 10_000 });
  // An idle connection the server drops (restart, failover) must not crash the process: the pool replaces it.
  pool.on('error', () => undefined);
  let schema: string;
  try {
    const { rows } = await pool.query<{ schema: string | null }>('select current_schema() as schema');
    if (!rows[0]?.schema) throw new Error('no schema on the search_path exists');
    schema = rows[0].schema;
  } catch (error) {
    await pool.end();
    throw failure(url, 'cannot connect', error);
  }
  const db = new Kysely<Database>({ dialect: new SerializedWritesDialect({ pool }) });
  return {
    db,
    kind: 'postgres',
    location: describePostgresUrl(url),
    schema,
    async writable() {
      try {
        const { rows } = await pool.query<{ standby: boolean }>({
          text: 'select pg_is_in_recovery() as standby',
          query_timeout: 2000,
        } as pg.QueryConfig);
        return rows[0]?.standby ? 'the database is a read-only standby' : null;
      } catch (error) {
        return `the database does not answer (${error instanceof Error ? error.message : String(error)})`;
      }
    },
    close: () => db.destroy(),
  };
}

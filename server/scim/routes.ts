import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticators } from '../http/route.js';
import { ApiFailure } from '../errors.js';
import { ProvisioningRefusal, type Person, type PersonChanges } from '../provisioning/person.js';
import type { ProvisioningService } from '../provisioning/service.js';
import type { Services } from '../services.js';
import { listResponse, MAX_RESULTS, resourceTypes, schemas, serviceProviderConfig } from './discovery.js';
import { ScimError } from './errors.js';
import { parseFilter } from './filter.js';
import { fieldsOfPatch } from './patch.js';
import { SCIM_MEDIA_TYPE } from './schemas.js';
import { changesOf, fieldsOfResource, personOf, toResource, type ScimFields } from './user-resource.js';

const PREFIX = '/scim/v2';

function send(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.status(status).header('content-type', SCIM_MEDIA_TYPE).send(JSON.stringify(body));
}

/** Every refusal in SCIM's error body (RFC 7644 section 3.12), whatever raised it. */
function scimErrorOf(error: unknown): ScimError | null {
  if (error instanceof ScimError) return error;
  if (error instanceof ProvisioningRefusal) {
    if (error.code === 'uniqueness') return new ScimError(409, error.message, 'uniqueness');
    if (error.code === 'not_found') return new ScimError(404, error.message);
    return new ScimError(400, error.message, 'invalidValue');
  }
  if (error instanceof ApiFailure) return new ScimError(error.status, error.message);
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Fastify's own: bad JSON, an unsupported media type, a body too large.
    return new ScimError(status, error instanceof Error ? error.message : 'bad request', status === 400 ? 'invalidSyntax' : undefined);
  }
  return null;
}

/** startIndex is 1-based, count at most MAX_RESULTS (RFC 7644 section 3.4.2.4): out-of-range values are clamped, as it says. */
function page(query: Record<string, unknown>): { startIndex: number; count: number } {
  const number = (v: unknown, fallback: number) => {
    const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : fallback;
    return Number.isSafeInteger(n) ? n : fallback;
  };
  return {
    startIndex: Math.max(1, number(query.startIndex, 1)),
    count: Math.min(MAX_RESULTS, Math.max(0, number(query.count, MAX_RESULTS))),
  };
}

/** userName and accountKind cannot change: enrolled keys carry the name, and a service account never enrols. */
function refuseImmutable(fields: ScimFields, person: Person): void {
  if (fields.userName !== undefined && fields.userName.toLowerCase() !== person.user.username.toLowerCase()) {
    throw new ScimError(400, 'userName cannot change', 'mutability');
  }
  if (fields.accountKind && fields.accountKind.toLowerCase() !== person.user.account_kind) {
    throw new ScimError(400, 'accountKind cannot change', 'mutability');
  }
}

/**
 * SCIM 2.0 (RFC 7643, RFC 7644) for identity providers' provisioning: joiners, movers and leavers at
 * /scim/v2, behind an API token with the `scim` permission. Its own media type and error bodies, so
 * it lives outside the operation table, in a scope of its own.
 */
export function registerScim(app: FastifyInstance, services: Services, auth: Authenticators): void {
  const people: ProvisioningService = services.provisioning;
  void app.register(
    (scope, _options, done) => {
      scope.addContentTypeParser([SCIM_MEDIA_TYPE], { parseAs: 'string' }, (_request, body, parsed) => {
        try {
          parsed(null, JSON.parse(String(body)) as unknown);
        } catch {
          parsed(new ScimError(400, 'the body is not valid JSON', 'invalidSyntax'), undefined);
        }
      });
      scope.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
        const refusal = scimErrorOf(error);
        if (!refusal) {
          request.log.error({ err: error }, 'scim: unhandled error');
          return send(reply, 500, new ScimError(500, 'internal error').body());
        }
        if (refusal.status === 401) void reply.header('www-authenticate', 'Bearer realm="firstkey-scim"');
        return send(reply, refusal.status, refusal.body());
      });
      scope.setNotFoundHandler((_request, reply) => send(reply, 404, new ScimError(404, 'no such SCIM endpoint').body()));
      // Every SCIM call, discovery included, needs the token: nothing here is for strangers.
      scope.addHook('onRequest', async (request) => {
        (request as ScimRequest).actor = (await auth.admin(request, 'scim')).actor;
      });

      const base = (request: FastifyRequest) => `${request.protocol}://${request.host}${PREFIX}`;
      const location = (request: FastifyRequest, id: string) => `${base(request)}/Users/${id}`;
      const actorOf = (request: FastifyRequest) => (request as ScimRequest).actor ?? 'scim';
      const live = async (id: string): Promise<Person> => {
        const person = await people.byId(id);
        // A break-glass account must survive its identity provider: SCIM can neither see, change nor delete it.
        if (!person || person.state.deleted_at || person.user.account_kind === 'break-glass') throw new ScimError(404, `no user ${id}`);
        return person;
      };
      const answer = (request: FastifyRequest, reply: FastifyReply, status: number, person: Person) =>
        send(reply.header('location', location(request, person.user.id)), status, toResource(person, location(request, person.user.id)));
      /** A person made active again (or anew) gets a new code: every factor they had was revoked when they left. */
      const inviteIfBack = async (person: Person, changed: string[], actor: string) => {
        if (changed.includes('active') && !person.state.deactivated_at && person.user.account_kind === 'human') {
          await people.invite(person.user.id, actor);
        }
      };
      type IdParams = { Params: { id: string } };

      scope.get('/ServiceProviderConfig', (request, reply) => send(reply, 200, serviceProviderConfig(base(request))));
      scope.get('/ResourceTypes', (request, reply) => {
        const types = resourceTypes(base(request));
        return send(reply, 200, listResponse(types, types.length, 1));
      });
      scope.get<IdParams>('/ResourceTypes/:id', (request, reply) => {
        const type = resourceTypes(base(request)).find((t) => t.id === request.params.id);
        if (!type) throw new ScimError(404, `no resource type ${request.params.id}`);
        return send(reply, 200, type);
      });
      scope.get('/Schemas', (request, reply) => {
        const all = schemas(base(request));
        return send(reply, 200, listResponse(all, all.length, 1));
      });
      scope.get<IdParams>('/Schemas/:id', (request, reply) => {
        const schema = schemas(base(request)).find((s) => s.id === request.params.id);
        if (!schema) throw new ScimError(404, `no schema ${request.params.id}`);
        return send(reply, 200, schema);
      });

      scope.post('/Users', async (request, reply) => {
        const actor = actorOf(request);
        const input = personOf(fieldsOfResource(request.body));
        const existing = await people.byUsername(input.username);
        if (existing?.state.deleted_at) {
          // Created again after a DELETE: the same row (its audit trail) comes back, with a new code.
          const changes: PersonChanges = {
            displayName: input.displayName,
            email: input.email,
            role: input.role,
            employmentType: input.employmentType,
            manager: input.manager,
            endDate: input.endDate,
            externalId: input.externalId,
          };
          const { person, changed } = await people.update(existing.user.id, changes, input.active, actor, 'scim');
          await inviteIfBack(person, changed, actor);
          return answer(request, reply, 201, person);
        }
        if (existing) throw new ScimError(409, `userName ${input.username} is taken`, 'uniqueness');
        const { person } = await people.create(input, actor, { invite: true, via: 'scim' });
        return answer(request, reply, 201, person);
      });

      scope.get<{ Querystring: Record<string, string> }>('/Users', async (request, reply) => {
        const query = typeof request.query.filter === 'string' ? parseFilter(request.query.filter) : null;
        const { startIndex, count } = page(request.query);
        const { people: found, total } = await people.list(query, startIndex - 1, count);
        const resources = found.map((p) => toResource(p, location(request, p.user.id)));
        return send(reply, 200, listResponse(resources, total, startIndex));
      });

      scope.get<IdParams>('/Users/:id', async (request, reply) => answer(request, reply, 200, await live(request.params.id)));

      scope.put<IdParams>('/Users/:id', async (request, reply) => {
        const actor = actorOf(request);
        const current = await live(request.params.id);
        const fields = fieldsOfResource(request.body);
        refuseImmutable(fields, current);
        const input = personOf({ ...fields, userName: current.user.username });
        // PUT replaces: what the body leaves out is removed (RFC 7644 section 3.5.1); `active` left out stays.
        const changes: PersonChanges = {
          displayName: input.displayName,
          email: input.email,
          role: input.role,
          employmentType: input.employmentType,
          manager: input.manager,
          endDate: input.endDate,
          externalId: input.externalId,
        };
        const { person, changed } = await people.update(current.user.id, changes, fields.active, actor, 'scim');
        await inviteIfBack(person, changed, actor);
        return answer(request, reply, 200, person);
      });

      scope.patch<IdParams>('/Users/:id', async (request, reply) => {
        const actor = actorOf(request);
        const current = await live(request.params.id);
        const fields = fieldsOfPatch(request.body);
        refuseImmutable(fields, current);
        const { person, changed } = await people.update(current.user.id, changesOf(fields, current), fields.active, actor, 'scim');
        await inviteIfBack(person, changed, actor);
        return answer(request, reply, 200, person);
      });

      scope.delete<IdParams>('/Users/:id', async (request, reply) => {
        const current = await live(request.params.id);
        await people.deactivate(current.user.id, actorOf(request), 'scim', true);
        return reply.status(204).send();
      });
      done();
    },
    { prefix: PREFIX },
  );
}

interface ScimRequest extends FastifyRequest {
  actor?: string;
}

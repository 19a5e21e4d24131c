/**
 * Glance v2's image members (`/v2/images/{id}/members`): the owner of a
 * shared image adds and removes projects; each member accepts, rejects or
 * resets (pending) its own membership. A member may use the image whatever
 * its status; only accepted images are in its default listing.
 */
import type { FastifyInstance } from 'fastify';
import { httpError, type GlanceService } from './glance-service.js';
import { MEMBER_STATUSES, type ImageMember, type MemberStatus } from './image-db.js';

export function memberView(m: ImageMember): Record<string, unknown> {
  return { created_at: m.created_at, image_id: m.image_id, member_id: m.member_id, schema: '/v2/schemas/member', status: m.status, updated_at: m.updated_at };
}

type Params = { id: string; member?: string };

function bodyObject(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw httpError(400, 'Request body must be a JSON object.');
  return body as Record<string, unknown>;
}

export function registerMemberRoutes(v2: FastifyInstance, service: GlanceService): void {
  v2.get('/images/:id/members', async (req) => ({
    members: service.members(req.caller!, (req.params as Params).id).map(memberView), schema: '/v2/schemas/members',
  }));

  v2.post('/images/:id/members', async (req) => {
    const member = bodyObject(req.body).member;
    if (typeof member !== 'string' || member === '' || member.length > 255) throw httpError(400, 'Member to be added not specified');
    return memberView(service.addMember(req.caller!, (req.params as Params).id, member));
  });

  v2.get('/images/:id/members/:member', async (req) => {
    const p = req.params as Params;
    return memberView(service.member(req.caller!, p.id, p.member!));
  });

  v2.put('/images/:id/members/:member', async (req) => {
    const p = req.params as Params;
    const status = bodyObject(req.body).status;
    if (!MEMBER_STATUSES.includes(status as MemberStatus)) throw httpError(400, `Invalid status: ${JSON.stringify(status ?? null)}; one of ${MEMBER_STATUSES.join(', ')}`);
    return memberView(service.setMemberStatus(req.caller!, p.id, p.member!, status as MemberStatus));
  });

  v2.delete('/images/:id/members/:member', async (req, reply) => {
    const p = req.params as Params;
    service.removeMember(req.caller!, p.id, p.member!);
    return reply.code(204).send();
  });
}

/**
 * container_quotas: a container's owner caps it with
 * `X-Container-Meta-Quota-Bytes` / `-Count`; an object PUT that would pass
 * either is refused with 413 (once the writer is authorized), as Swift's
 * filter of that name. The count is checked against the listing-stat
 * numbers the container info holds, so like Swift's it is eventually exact.
 */
import type { FilterFactory, SwiftRequest, SwiftResponse } from '../types.js';
import type { ContainerInfo } from '../controllers/info.js';
import { makeResponse } from '../response.js';
import { parseRequestPath } from '../request-path.js';
import { containerInfo, isSuccess } from './subrequest.js';

const DIGITS = /^\d+$/;

/** The write ACL's answer first (a stranger learns nothing of the quota), else 413. */
async function overQuota(req: SwiftRequest, info: ContainerInfo): Promise<SwiftResponse> {
  if (req.env.authorize) {
    req.acl = info.writeAcl;
    const denied = await req.env.authorize(req);
    if (denied) return denied;
  }
  return makeResponse(413, 'Upload exceeds quota.');
}

export const containerQuotas: FilterFactory = (_conf, ctx) => {
  ctx.registerInfo('container_quotas', {});
  return (next) => async (req) => {
    const parsed = parseRequestPath(req);
    if (!parsed.ok || parsed.path.container === undefined) return next(req);
    const { account, container, object } = parsed.path;
    if (object === undefined && (req.method === 'PUT' || req.method === 'POST')) {
      const bytes = req.headers['x-container-meta-quota-bytes'];
      if (bytes && !DIGITS.test(bytes)) return makeResponse(400, 'Invalid bytes quota.');
      const count = req.headers['x-container-meta-quota-count'];
      if (count && !DIGITS.test(count)) return makeResponse(400, 'Invalid count quota.');
    } else if (object !== undefined && req.method === 'PUT') {
      const info = await containerInfo(ctx, req, account, container);
      if (!isSuccess(info.status)) return next(req);
      const quotaBytes = info.meta['quota-bytes'];
      if (quotaBytes !== undefined && DIGITS.test(quotaBytes)) {
        const size = info.bytes + Number(req.headers['content-length'] ?? 0);
        if (Number(quotaBytes) < size) return overQuota(req, info);
      }
      const quotaCount = info.meta['quota-count'];
      if (quotaCount !== undefined && DIGITS.test(quotaCount) && Number(quotaCount) < info.objectCount + 1) {
        return overQuota(req, info);
      }
    }
    return next(req);
  };
};

/** `os-keypairs` (Nova 2.1): a user's key pairs — generate (the private key is returned once), import, list, show, delete. */
import type { FastifyInstance } from 'fastify';
import { generateSshKeyPair, sshFingerprint, sshKeyBlob } from '../network/index.js';
import { HttpFault, type RouteDeps } from './app.js';
import { keyPairListView, keyPairView } from './network-views.js';
import { requireObject } from './server-routes.js';

export function registerKeyPairRoutes(app: FastifyInstance, d: RouteDeps): void {
  const keys = d.network.keypairs;

  app.get('/os-keypairs', async (req) => ({ keypairs: (await keys.list(d.ctx(req).principal.userId)).map(keyPairListView) }));

  app.post('/os-keypairs', async (req) => {
    const b = requireObject((req.body as Record<string, unknown> | null)?.keypair, 'keypair');
    const name = b.name;
    if (typeof name !== 'string' || name.length < 1 || name.length > 255) throw new HttpFault(400, `Invalid input for field/attribute name. Value: ${JSON.stringify(name ?? null)}.`);
    if (!/^[a-zA-Z0-9 _-]+$/.test(name)) throw new HttpFault(400, 'Keypair data is invalid: Keypair name contains unsafe characters');
    const userId = d.ctx(req).principal.userId;
    if (b.public_key !== undefined) {
      if (typeof b.public_key !== 'string') throw new HttpFault(400, `Invalid input for field/attribute public_key. Value: ${JSON.stringify(b.public_key)}.`);
      sshKeyBlob(b.public_key);
      const k = await keys.create({ name, userId, publicKey: b.public_key.trim(), fingerprint: sshFingerprint(b.public_key), type: 'ssh' });
      const { keypair } = keyPairView(k);
      return { keypair: { name: keypair.name, public_key: keypair.public_key, fingerprint: keypair.fingerprint, user_id: keypair.user_id } };
    }
    const pair = generateSshKeyPair();
    const k = await keys.create({ name, userId, publicKey: pair.publicKey, fingerprint: sshFingerprint(pair.publicKey), type: 'ssh' });
    return { keypair: { name: k.name, public_key: k.publicKey, fingerprint: k.fingerprint, user_id: k.userId, private_key: pair.privateKey } };
  });

  app.get('/os-keypairs/:name', async (req) => {
    const { name } = req.params as { name: string };
    const userId = d.ctx(req).principal.userId;
    const k = await keys.get(userId, name);
    if (!k) throw new HttpFault(404, `Keypair ${name} not found for user ${userId}`);
    return keyPairView(k);
  });

  app.delete('/os-keypairs/:name', async (req, reply) => {
    const { name } = req.params as { name: string };
    const userId = d.ctx(req).principal.userId;
    if (!await keys.delete(userId, name)) throw new HttpFault(404, `Keypair ${name} not found for user ${userId}`);
    return reply.code(202).send();
  });
}

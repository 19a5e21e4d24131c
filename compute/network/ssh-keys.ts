/**
 * OpenSSH public keys as Nova handles them (nova/crypto.py): a generated
 * pair is RSA 2048 with the private key in PEM (PKCS#1, what Nova's paramiko
 * writes) and the public key in OpenSSH's one-line form; a fingerprint is
 * the MD5 of the decoded key blob in colon-separated hex (what
 * `ssh-keygen -l -E md5` shows). An imported key must be a well-formed
 * blob of a type OpenSSH knows, its inner type matching the line's.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { InvalidArgumentError } from '../../common/index.js';

/** Each key type's fields after the type string: `m` an mpint/string, `s` a string. */
const KEY_LAYOUTS: Record<string, number> = {
  'ssh-rsa': 2, // e, n
  'ssh-dss': 4, // p, q, g, y
  'ssh-ed25519': 1,
  'ecdsa-sha2-nistp256': 2, // curve, Q
  'ecdsa-sha2-nistp384': 2,
  'ecdsa-sha2-nistp521': 2,
  'sk-ssh-ed25519@openssh.com': 2, // key, application
  'sk-ecdsa-sha2-nistp256@openssh.com': 3, // curve, Q, application
};

function readStrings(blob: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < blob.length) {
    if (at + 4 > blob.length) throw new Error('truncated length');
    const len = blob.readUInt32BE(at);
    if (at + 4 + len > blob.length) throw new Error('truncated field');
    out.push(blob.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return out;
}

/** The decoded blob of an OpenSSH public key line, checked; throws InvalidArgumentError (Nova's 400 message) when it isn't one. */
export function sshKeyBlob(publicKey: string): { type: string; blob: Buffer } {
  const invalid = () => new InvalidArgumentError('Keypair data is invalid: failed to generate fingerprint');
  const parts = publicKey.trim().split(/\s+/);
  if (parts.length < 2 || !(parts[0] in KEY_LAYOUTS) || !/^[A-Za-z0-9+/]+={0,2}$/.test(parts[1])) throw invalid();
  const blob = Buffer.from(parts[1], 'base64');
  let fields: Buffer[];
  try {
    fields = readStrings(blob);
  } catch {
    throw invalid();
  }
  if (fields.length !== 1 + KEY_LAYOUTS[parts[0]] || fields[0].toString('latin1') !== parts[0] || fields.slice(1).some((f) => f.length === 0)) throw invalid();
  if (parts[0] === 'ssh-ed25519' && fields[1].length !== 32) throw invalid();
  return { type: parts[0], blob };
}

/** Nova's fingerprint: MD5 of the key blob, `aa:bb:…`. */
export function sshFingerprint(publicKey: string): string {
  const md5 = createHash('md5').update(sshKeyBlob(publicKey).blob).digest('hex');
  return md5.match(/../g)!.join(':');
}

function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

/** An SSH mpint: big-endian, a leading zero byte when the top bit is set. */
function sshMpint(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = b.subarray(i);
  return sshString(v[0] & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}

/** A new RSA key pair: OpenSSH public line (comment `Generated-by-Nova`, as Nova's) and PKCS#1 PEM private key. */
export function generateSshKeyPair(bits = 2048): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: 65537 });
  const jwk = publicKey.export({ format: 'jwk' });
  const blob = Buffer.concat([
    sshString(Buffer.from('ssh-rsa')), sshMpint(Buffer.from(jwk.e!, 'base64url')), sshMpint(Buffer.from(jwk.n!, 'base64url')),
  ]);
  return {
    publicKey: `ssh-rsa ${blob.toString('base64')} Generated-by-Nova`,
    privateKey: privateKey.export({ format: 'pem', type: 'pkcs1' }) as string,
  };
}

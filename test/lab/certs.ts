// The lab's TLS: a CA (kept across runs in .lab/tls) and a server certificate for every
// LOCATION-docker.pkg.dev the lab serves (plus *.pkg.dev), made with the openssl CLI.
// The CA is handed to dockerd through /etc/docker/certs.d/HOST/ca.crt (see lab.ts).

import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabLayout } from './layout.js';

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await execa('openssl', args, { cwd, stdin: 'ignore' });
  } catch (e) {
    const err = e as { code?: string; stderr?: string; shortMessage?: string };
    if (err.code === 'ENOENT') throw new Error('openssl is not installed (apt-get install openssl, or run scripts/install-system-deps.sh)');
    throw new Error(`openssl ${args[0]} failed: ${(err.stderr || err.shortMessage || String(e)).trim().split('\n').slice(-3).join(' / ')}`);
  }
}

/**
 * Makes sure .lab/tls holds a CA and a server certificate whose names cover `hosts`.
 * Reuses what is there when it already covers them (so certs.d entries stay valid).
 * Returns true when a new server certificate was made.
 */
export async function ensureCerts(layout: LabLayout, hosts: string[]): Promise<boolean> {
  await mkdir(layout.tlsDir, { recursive: true, mode: 0o700 });
  const cwd = layout.tlsDir;
  if (!existsSync(layout.caKey) || !existsSync(layout.caCert)) {
    await rm(layout.serverCert, { force: true });
    await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', layout.caKey], cwd);
    await openssl(
      [
        'req', '-x509', '-new', '-key', layout.caKey, '-out', layout.caCert, '-days', '3650', '-sha256',
        '-subj', '/O=registry-setup lab/CN=registry-setup lab CA',
        '-addext', 'basicConstraints=critical,CA:TRUE',
        '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      ],
      cwd,
    );
  }
  const wanted = [...new Set(hosts)].sort();
  let covered: string[] = [];
  try {
    covered = JSON.parse(await readFile(layout.serverHostsFile, 'utf8')) as string[];
  } catch {
    covered = [];
  }
  if (existsSync(layout.serverCert) && existsSync(layout.serverKey) && wanted.every((h) => covered.includes(h))) return false;

  const csr = join(cwd, 'server.csr');
  const ext = join(cwd, 'server.ext');
  const names = ['DNS:*.pkg.dev', ...wanted.map((h) => `DNS:${h}`), 'DNS:localhost', 'IP:127.0.0.1'];
  await writeFile(
    ext,
    [
      `subjectAltName=${names.join(',')}`,
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      '',
    ].join('\n'),
  );
  await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', layout.serverKey], cwd);
  await openssl(['req', '-new', '-key', layout.serverKey, '-out', csr, '-subj', '/O=registry-setup lab/CN=pkg.dev'], cwd);
  await openssl(
    [
      'x509', '-req', '-in', csr, '-CA', layout.caCert, '-CAkey', layout.caKey, '-CAcreateserial',
      '-out', layout.serverCert, '-days', '825', '-sha256', '-extfile', ext,
    ],
    cwd,
  );
  await writeFile(layout.serverHostsFile, JSON.stringify(wanted) + '\n');
  await rm(csr, { force: true });
  return true;
}

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './server-process.js';

/**
 * Debian's nginx as a TLS-terminating reverse proxy in front of a test server: its own prefix,
 * logs and temp paths in a temp directory, a throw-away certificate for localhost, started in
 * the foreground and stopped by the test. nginx adds the peer it saw to X-Forwarded-For, as a
 * production proxy does.
 */

const run = promisify(execFile);
export const NGINX = '/usr/sbin/nginx';

export interface Nginx {
  /** `https://localhost:<port>`: what the app would have as FIRSTKEY_SERVER_URL. */
  url: string;
  port: number;
  /** PEM of the certificate nginx serves: trust it in the client, nowhere else. */
  certificate: string;
  /** Seen by nginx since start (error log), for a failure's message. */
  errors: () => string;
  stop: () => Promise<void>;
}

/** A self-signed certificate for localhost and 127.0.0.1, valid one day. */
async function throwAwayCertificate(dir: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  return { cert, key };
}

function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

/** nginx on a loopback port (a free one unless given), proxying every path to `upstream` (`http://127.0.0.1:<port>`). */
export async function startNginx(upstream: string, listenPort?: number): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'firstkey-nginx-'));
  const port = listenPort ?? (await freePort());
  const { cert, key } = await throwAwayCertificate(dir);
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/client;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port} ssl;
    server_name localhost;
    ssl_certificate ${cert};
    ssl_certificate_key ${key};
    location / {
      proxy_pass ${upstream};
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }
  }
}
`,
  );
  let output = '';
  const child: ChildProcess = spawn(
    NGINX,
    ['-e', join(dir, 'error.log'), '-p', dir, '-c', conf, '-g', `daemon off; pid ${dir}/nginx.pid;`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  const errors = () => {
    try {
      return output + readFileSync(join(dir, 'error.log'), 'utf8');
    } catch {
      return output;
    }
  };
  for (let i = 0; !(await accepting(port)); i++) {
    if (child.exitCode !== null || i > 200) {
      child.kill('SIGQUIT');
      throw new Error(`nginx did not start:\n${errors()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return {
    url: `https://localhost:${port}`,
    port,
    certificate: readFileSync(cert, 'utf8'),
    errors,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGQUIT');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

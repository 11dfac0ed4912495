// Shared by the API and browser suites: a real `audio-ident serve` process
// on a free loopback port (PORT=0; the port is read from its log), private
// copies of a data directory, and running tools.
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';

export const BIN = process.env.AI_BIN;

export function sh(cmd, args, env = {}) {
  return execFileSync(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

// A private copy of the data dir, so servers that delete or add do not
// disturb each other.
export function copyData(fx, name) {
  const dir = join(fx.root, `data-${name}`);
  rmSync(dir, { recursive: true, force: true });
  cpSync(fx.data, dir, { recursive: true });
  return dir;
}

// Starts `audio-ident serve` with env; resolves when it listens.  With
// TLS_CERT_FILE in env the base is https:// (that certificate is trusted as
// the CA of the health probe, so it must be self-signed).
export function startServer(env) {
  return new Promise((resolve, reject) => {
    const proc = spawn(BIN, ['serve'], {
      env: { ...process.env, HOST: '127.0.0.1', PORT: '0', RATE_LIMIT_PER_MIN: '100000', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 15000);
    const onData = (d) => {
      log += d.toString();
      const m = log.match(/listening on (https?):\/\/127\.0\.0\.1:(\d+)/);
      if (m && !proc.base) {
        clearTimeout(timer);
        proc.base = `${m[1]}://127.0.0.1:${m[2]}`;
        proc.logText = () => log;
        const ca = m[1] === 'https' ? readFileSync(env.TLS_CERT_FILE) : null;
        waitHealthy(proc.base, ca).then(() => resolve(proc), reject);
      }
    };
    proc.stderr.on('data', onData);
    proc.stdout.on('data', onData);
    proc.on('exit', (code) => {
      proc.exitCode_ = code;
      if (!proc.base) {
        clearTimeout(timer);
        reject(new Error(`server exited (${code}):\n${log}`));
      }
    });
  });
}

// GET url over https trusting `ca`; resolves with the status code.
function httpsStatus(url, ca) {
  return new Promise((resolve, reject) => {
    const req = httpsGet(url, { ca }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
  });
}

async function waitHealthy(base, ca) {
  for (let i = 0; i < 100; i++) {
    try {
      const status = ca ? await httpsStatus(`${base}/health`, ca) : (await fetch(`${base}/health`)).status;
      if (status === 200) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${base}/health never answered 200`);
}

export function stopServer(proc) {
  return new Promise((resolve) => {
    if (!proc || proc.exitCode !== null) return resolve(proc ? proc.exitCode : 0);
    proc.on('exit', (code) => resolve(code));
    proc.kill('SIGTERM');
  });
}


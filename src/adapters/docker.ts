// The user's Docker CLI (and through it the daemon), and Docker credential helpers.
// Output is parsed from the plain (non-TTY) forms: `--format json` where Docker has it, and
// docker push's per-layer lines. Credential helper secrets are read and dropped at once.
import { BugError, ExternalError, UserError } from '../errors.js';
import type { CallOpts, DockerInfo, DockerPort, LocalImage, PushResult } from '../ports.js';
import { findOnPath, headline, tail, type Runner } from './exec.js';
import { BILLING_DISABLED_TEXT, SERVICE_DISABLED_TEXT } from './googleText.js';

function refuseFlagLike(what: string, v: string): void {
  if (!v || v.startsWith('-') || /[\s\0]/.test(v)) throw new BugError(`${what} must be validated before it reaches docker: ${JSON.stringify(v)}`);
}

/** Why the daemon did not answer, from docker's stderr. */
export function classifyDaemonProblem(stderr: string, dockerHost: string | undefined): NonNullable<DockerInfo['daemonProblem']> {
  if (/permission denied/i.test(stderr)) return 'permission-denied';
  if (/unable to resolve docker endpoint|invalid bind address|error during connect|context .* not found|no such host/i.test(stderr)) return 'docker-host';
  if (/Cannot connect to the Docker daemon|Is the docker daemon running|connection refused|no such file or directory/i.test(stderr)) {
    return dockerHost ? 'docker-host' : 'not-running';
  }
  return 'other';
}

/** Human size ("12.3MB", "1.2kB", "512B") → bytes (Docker uses powers of 1000). */
export function parseSize(s: string | undefined): number | undefined {
  const m = s && /^([\d.]+)\s*([kKMGT]?B)$/.exec(s.trim());
  if (!m) return undefined;
  const mult: Record<string, number> = { B: 1, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 };
  return Math.round(Number(m[1]) * (mult[m[2]!] ?? 1));
}

export type PushLine =
  | { kind: 'layer'; id: string; status: string }
  | { kind: 'digest'; tag: string; digest: string; size: number }
  | { kind: 'line'; text: string };

/** One line of non-TTY `docker push` output. */
export function parsePushLine(line: string): PushLine {
  const t = line.trim();
  const d = /^(\S+): digest: (sha256:[0-9a-f]{64}) size: (\d+)/.exec(t);
  if (d) return { kind: 'digest', tag: d[1]!, digest: d[2]!, size: Number(d[3]) };
  const l = /^([0-9a-f]{12,64}): (Preparing|Waiting|Pushing|Pushed|Layer already exists|Mounted from \S+|Retrying in \d+ seconds?|Buffering to Disk|Image successfully pushed)\b(.*)$/.exec(t);
  if (l) return { kind: 'layer', id: l[1]!, status: (l[2]! + (l[3] ?? '')).trim() };
  return { kind: 'line', text: t };
}

const HELPER_MISSING = /docker-credential-([A-Za-z0-9._-]+).*(executable file not found|not found in \$PATH|no such file)/i;
const PUSH_UNAUTHORIZED = /unauthorized|authentication required|authentication failed/i;
const TAG_IMMUTABLE = /immutable|tag.*already exists/i;
const PUSH_DENIED = /denied|forbidden|permission|name unknown|repository .* not found/i;
const PUSH_CONNECTION =
  /connection reset|broken pipe|EOF|i\/o timeout|TLS handshake timeout|connection refused|no such host|network is unreachable|use of closed network connection|client connection lost|http2: .*(closed|GOAWAY)|net\/http: request canceled/i;
const NO_SUCH_IMAGE = /does not exist locally|An image does not exist|No such image/i;
/** docker image rm of an image's last name while a container uses it ("conflict: … must force"). */
const IMAGE_IN_USE = /conflict: unable to (remove|delete)|is using its referenced image|image is being used/i;

/**
 * A failed push → a typed error with its reason (first match wins: the specific before the general;
 * the registry's "denied: …" also carries a disabled API or missing billing). What the user should
 * do is worded by the steps; only the dropped connection, which nothing else words, has a fix here.
 */
export function pushError(ref: string, exitCode: number | null, output: string, command = `docker push ${ref}`): ExternalError {
  const host = ref.split('/')[0] ?? ref;
  const base = { command, exitCode, stderrTail: tail(output) };
  const helper = HELPER_MISSING.exec(output);
  if (helper) {
    return new ExternalError(`Docker could not run its credential helper docker-credential-${helper[1]} (it is not on the PATH Docker uses)`, { ...base, reason: 'HELPER_MISSING' });
  }
  if (/error getting credentials/i.test(output)) {
    return new ExternalError(`Docker's credential helper failed to give a login for ${host}`, { ...base, reason: 'HELPER_FAILED' });
  }
  if (/no basic auth credentials/i.test(output)) {
    return new ExternalError(`Docker has no credentials for the registry ${host}`, { ...base, reason: 'PUSH_NO_CREDENTIALS' });
  }
  if (SERVICE_DISABLED_TEXT.test(output)) {
    return new ExternalError(`the registry ${host} says the Artifact Registry API is not enabled`, { ...base, reason: 'SERVICE_DISABLED' });
  }
  if (BILLING_DISABLED_TEXT.test(output)) {
    return new ExternalError(`the registry ${host} says billing is not enabled`, { ...base, reason: 'BILLING_DISABLED' });
  }
  if (PUSH_UNAUTHORIZED.test(output)) {
    return new ExternalError(`the registry ${host} did not accept Docker's credentials (unauthorized)`, { ...base, reason: 'PUSH_UNAUTHORIZED' });
  }
  if (TAG_IMMUTABLE.test(output)) {
    return new ExternalError(`the repository does not allow overwriting this tag (immutable tags)`, { ...base, reason: 'TAG_IMMUTABLE' });
  }
  if (PUSH_DENIED.test(output)) {
    return new ExternalError(`the registry ${host} denied the push`, { ...base, reason: 'PUSH_DENIED' });
  }
  if (PUSH_CONNECTION.test(output)) {
    return new ExternalError(`the connection to ${host} dropped during the push`, { ...base, reason: 'PUSH_CONNECTION', retryable: true }, [
      'Run the push again: layers already uploaded are not sent twice.',
    ]);
  }
  if (NO_SUCH_IMAGE.test(output)) {
    return new ExternalError(`there is no local image ${ref} to push`, { ...base, reason: 'NO_SUCH_IMAGE' });
  }
  const line = headline(output);
  return new ExternalError(`\`${command}\` failed${exitCode !== null ? ` (exit ${exitCode})` : ''}${line ? `: ${line}` : ''}`, base);
}

function notInstalled(e: unknown): boolean {
  return e instanceof ExternalError && e.details.exitCode === null && /not installed/.test(e.message);
}

/** A note per non-blank output line, when the caller listens. */
function lineNote(opts?: CallOpts): ((line: string) => unknown) | undefined {
  return opts?.onProgress ? (line: string) => line.trim() && opts.onProgress!({ type: 'line', text: line }) : undefined;
}

/** Runs a docker push, streaming per-layer notes; the digest Docker printed for each tag (at least one, or it throws). */
async function pushing(run: Runner, args: string[], ref: string, opts?: CallOpts): Promise<Record<string, PushResult>> {
  const command = `docker ${args.join(' ')}`;
  opts?.onProgress?.({ type: 'call', text: command });
  const digests: Record<string, PushResult> = {};
  const onLine = (line: string) => {
    if (!line.trim()) return;
    const p = parsePushLine(line);
    if (p.kind === 'digest') {
      digests[p.tag] = { digest: p.digest, size: p.size };
      opts?.onProgress?.({ type: 'line', text: `${p.tag}: digest ${p.digest}` });
    } else if (p.kind === 'layer') opts?.onProgress?.({ type: 'layer', id: p.id, status: p.status });
    else opts?.onProgress?.({ type: 'line', text: p.text });
  };
  const r = await run('docker', args, { reject: false, signal: opts?.signal, onLine });
  const output = `${r.stdout}\n${r.stderr}`;
  if (r.exitCode !== 0) {
    if (args.includes('--all-tags') && /unknown flag: --all-tags/i.test(output)) {
      throw new ExternalError('this Docker is too old for docker push --all-tags (Docker 20.10 or newer has it)', { command, exitCode: r.exitCode, stderrTail: tail(output), reason: 'NO_ALL_TAGS' });
    }
    throw pushError(ref, r.exitCode, output, command);
  }
  // onLine may not have seen them (e.g. a runner without streaming): look in the output too.
  for (const line of r.stdout.split(/\r?\n/)) {
    const p = parsePushLine(line);
    if (p.kind === 'digest') digests[p.tag] ??= { digest: p.digest, size: p.size };
  }
  if (Object.keys(digests).length === 0) {
    throw new ExternalError(`\`${command}\` ended without reporting a digest, so the push cannot be trusted`, { command, exitCode: r.exitCode, stderrTail: tail(output) });
  }
  return digests;
}

async function info(run: Runner, env: NodeJS.ProcessEnv, opts?: CallOpts): Promise<DockerInfo> {
  const path = (await findOnPath('docker', env.PATH, env.PATHEXT)) ?? undefined;
  let r;
  try {
    r = await run('docker', ['version', '--format', 'json'], { reject: false, signal: opts?.signal, timeoutMs: 20_000 });
  } catch (e) {
    if (notInstalled(e)) return { clientVersion: null, ...(path ? { path } : {}) };
    if (e instanceof ExternalError && e.details.retryable) {
      // Timed out: the daemon (or DOCKER_HOST) does not answer.
      return { clientVersion: 'unknown', daemonProblem: env.DOCKER_HOST ? 'docker-host' : 'other', daemonMessage: e.message, ...(path ? { path } : {}) };
    }
    throw e;
  }
  let data: { Client?: { Version?: string } | null; Server?: { Version?: string } | null } = {};
  try {
    data = JSON.parse(r.stdout.trim().split(/\r?\n/)[0] || '{}');
  } catch {
    const m = /Version:\s*(\S+)/.exec(r.stdout);
    if (m) data = { Client: { Version: m[1] } };
  }
  const out: DockerInfo = { clientVersion: data.Client?.Version ?? null };
  if (path) out.path = path;
  if (data.Server?.Version && r.exitCode === 0) {
    out.serverVersion = data.Server.Version;
    return out;
  }
  out.daemonProblem = classifyDaemonProblem(r.stderr, env.DOCKER_HOST);
  const msg = headline(r.stderr);
  if (msg) out.daemonMessage = msg;
  return out;
}

/** `docker image ls --format '{{json .}}'` output → the tagged images (untagged and unreadable lines left out). */
function parseImageList(stdout: string): LocalImage[] {
  const out: LocalImage[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    if (!line.trim()) continue;
    let x: Record<string, string>;
    try {
      x = JSON.parse(line);
    } catch {
      continue;
    }
    if (!x.Repository || x.Repository === '<none>' || !x.Tag || x.Tag === '<none>') continue;
    const img: LocalImage = { ref: `${x.Repository}:${x.Tag}`, id: x.ID ?? '' };
    const size = parseSize(x.Size);
    if (size !== undefined) img.sizeBytes = size;
    out.push(img);
  }
  return out;
}

async function inspectImage(run: Runner, ref: string, opts?: CallOpts): Promise<LocalImage | null> {
  refuseFlagLike('image reference', ref);
  const r = await run('docker', ['image', 'inspect', '--format', '{{json .}}', ref], { reject: false, signal: opts?.signal });
  if (r.exitCode !== 0) {
    if (/no such image|No such object/i.test(r.stderr)) return null;
    throw new ExternalError(`\`docker image inspect ${ref}\` failed (exit ${r.exitCode})${headline(r.stderr) ? `: ${headline(r.stderr)}` : ''}`, {
      command: `docker image inspect ${ref}`,
      exitCode: r.exitCode,
      stderrTail: tail(r.stderr),
    });
  }
  let x: { Id?: string; Os?: string; Architecture?: string; Size?: number };
  try {
    x = JSON.parse(r.stdout.trim().split(/\r?\n/)[0] ?? '{}');
  } catch (e) {
    throw new ExternalError(`docker printed something unexpected for image ${ref}`, { command: `docker image inspect ${ref}` }, [], { cause: e });
  }
  const img: LocalImage = { ref, id: x.Id ?? '' };
  if (x.Os) img.os = x.Os;
  if (x.Architecture) img.architecture = x.Architecture;
  if (typeof x.Size === 'number') img.sizeBytes = x.Size;
  return img;
}

async function build(run: Runner, args: Parameters<DockerPort['build']>[0], opts?: CallOpts): Promise<void> {
  refuseFlagLike('image tag', args.tag);
  refuseFlagLike('build context', args.context);
  const a = ['build', '-t', args.tag];
  if (args.platform) {
    if (!/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/.test(args.platform)) throw new UserError(`not a platform: ${args.platform}`, ['Use a value like linux/amd64.']);
    a.push('--platform', args.platform);
  }
  if (args.noCache) a.push('--no-cache');
  a.push(args.context);
  opts?.onProgress?.({ type: 'call', text: `docker ${a.join(' ')}` });
  await run('docker', a, { signal: opts?.signal, onLine: lineNote(opts) });
}

/** `docker image rm --no-prune REF`: the tag goes; false when there was no such tag. */
async function untag(run: Runner, ref: string, opts?: CallOpts): Promise<boolean> {
  refuseFlagLike('image reference', ref);
  const args = ['image', 'rm', '--no-prune', ref];
  const command = `docker ${args.join(' ')}`;
  opts?.onProgress?.({ type: 'call', text: command });
  const r = await run('docker', args, { reject: false, signal: opts?.signal });
  if (r.exitCode === 0) return true;
  const output = `${r.stdout}\n${r.stderr}`;
  if (NO_SUCH_IMAGE.test(output)) return false;
  const base = { command, exitCode: r.exitCode, stderrTail: tail(output) };
  if (IMAGE_IN_USE.test(output)) throw new ExternalError(`a container uses the image tagged ${ref}, and that tag is its last name`, { ...base, reason: 'IMAGE_IN_USE' });
  const line = headline(r.stderr);
  throw new ExternalError(`\`${command}\` failed (exit ${r.exitCode})${line ? `: ${line}` : ''}`, base);
}

async function helperCredential(run: Runner, helper: string, host: string, opts?: CallOpts): ReturnType<DockerPort['helperCredential']> {
  if (!/^[A-Za-z0-9._-]+$/.test(helper)) throw new BugError(`not a credential helper name: ${helper}`);
  refuseFlagLike('registry host', host);
  const cmd = `docker-credential-${helper}`;
  let r;
  try {
    r = await run(cmd, ['get'], { input: host, reject: false, signal: opts?.signal, background: opts?.background, timeoutMs: 30_000, display: `echo ${host} | ${cmd} get` });
  } catch (e) {
    if (notInstalled(e)) return { ok: false, message: `${cmd} is not on the PATH` };
    if (e instanceof ExternalError) return { ok: false, message: e.message };
    throw e;
  }
  if (r.exitCode !== 0) {
    // Helpers print their error on stdout ("credentials not found in native keychain").
    const why = headline(r.stderr) ?? headline(r.stdout);
    return { ok: false, message: why ? `${cmd} get failed: ${why.replace(/"Secret"\s*:\s*"[^"]*"/g, '"Secret":"…"')}` : `${cmd} get failed (exit ${r.exitCode})` };
  }
  let username: string | undefined;
  let ok = false;
  try {
    const parsed = JSON.parse(r.stdout) as { Secret?: unknown; Username?: unknown };
    ok = typeof parsed.Secret === 'string' && parsed.Secret.length > 0;
    username = typeof parsed.Username === 'string' ? parsed.Username : undefined;
  } catch {
    return { ok: false, message: `${cmd} get printed something that is not JSON` };
  }
  // The secret goes out of scope here: never returned, never logged.
  return ok ? { ok, ...(username ? { username } : {}) } : { ok, ...(username ? { username } : {}), message: `${cmd} returned no secret for ${host}` };
}

export function createDocker(deps: { run: Runner; env: NodeJS.ProcessEnv }): DockerPort {
  const { run, env } = deps;
  return {
    info: (opts) => info(run, env, opts),

    async listImages(opts) {
      const r = await run('docker', ['image', 'ls', '--format', '{{json .}}'], { signal: opts?.signal });
      return parseImageList(r.stdout);
    },

    inspectImage: (ref, opts) => inspectImage(run, ref, opts),

    build: (args, opts) => build(run, args, opts),

    async tag(source, target, opts) {
      refuseFlagLike('image reference', source);
      refuseFlagLike('image reference', target);
      opts?.onProgress?.({ type: 'call', text: `docker tag ${source} ${target}` });
      await run('docker', ['tag', source, target], { signal: opts?.signal });
    },

    async load(archive, opts) {
      if (archive.length === 0) throw new BugError('docker load needs an archive');
      opts?.onProgress?.({ type: 'call', text: 'docker load --quiet' });
      await run('docker', ['load', '--quiet'], { input: archive, signal: opts?.signal, onLine: lineNote(opts) });
    },

    async push(ref, opts) {
      refuseFlagLike('image reference', ref);
      // pushing() throws unless Docker printed a digest; one tag, so one digest.
      return Object.values(await pushing(run, ['push', ref], ref, opts))[0]!;
    },

    untag: (ref, opts) => untag(run, ref, opts),

    async localTags(repository, opts) {
      refuseFlagLike('image repository', repository);
      const r = await run('docker', ['image', 'ls', repository, '--format', '{{.Tag}}'], { signal: opts?.signal });
      return [...new Set(r.stdout.split(/\r?\n/).map((t) => t.trim()).filter((t) => t && t !== '<none>'))];
    },

    async pushAllTags(repository, opts) {
      refuseFlagLike('image repository', repository);
      return pushing(run, ['push', '--all-tags', repository], repository, opts);
    },

    helperCredential: (helper, host, opts) => helperCredential(run, helper, host, opts),

    findHelper(helper) {
      if (!/^[A-Za-z0-9._-]+$/.test(helper)) return Promise.resolve(null);
      return findOnPath(`docker-credential-${helper}`, env.PATH, env.PATHEXT);
    },
  };
}

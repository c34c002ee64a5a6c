// Step 5: the first tagged push (latest + git short sha), verified through the API.

import { EXPLAIN } from './explain.js';
import { basename } from 'node:path';
import type { Choice, DockerInfo, Env, ImageSource, LocalImage, PushResult } from '../ports.js';
import type { Step, StepContext } from './types.js';
import { ExternalError, UserError, withContext } from '../errors.js';
import { validateImageName, validateLocalImageRef, validateTag } from '../validate.js';
import { deriveImageName, deriveRepositoryId, imageRef, parseRepositoryName, registryHost } from '../naming.js';
import { ROLES } from '../facts.js';
import { retry } from '../retry.js';
import { SAMPLE_LOCAL_REF, SAMPLE_TEXT, verificationArchive } from '../sampleImage.js';
import { takeEarly } from '../run/early.js';
import { EARLY_DOCKER_INFO, callOpts, daemonUp, imagesWithDigest, need, safeCheck } from './common.js';
import { quoteArg as sh } from '../quote.js';
import { explainFailure, explained, failureReason, helperGaveNoCredential, type FailureContext } from './failures.js';

/** Early-work key of the verification image's `docker load`. */
const SAMPLE_LOAD = 'load the verification image';

const AMD64 = 'linux/amd64';
/** Verification through the API: a few quick attempts, since listing can lag the push briefly. */
export const VERIFY_RETRY = { attempts: 5, baseMs: 1_000, maxMs: 4_000 } as const;

type SourceKind = 'build' | 'sample' | 'local';

function kindOf(s: ImageSource): SourceKind {
  return typeof s === 'string' ? s : 'local';
}

function badSource(msg: string, fix: string[]): UserError {
  return new UserError(msg, fix, { flag: '--source' });
}

function validateImageFlag(image: string | undefined): void {
  if (image === undefined) return;
  const v = validateImageName(image);
  if (v !== true) throw new UserError(`--image ${JSON.stringify(image)}: ${v}`, ['Pass a valid name with --image (for example --image app).'], { flag: '--image' });
}

async function chooseImageName(ctx: StepContext, env: Env, signal: AbortSignal): Promise<string> {
  if (ctx.flags.image !== undefined) return ctx.flags.image;
  // Answered in an earlier run: not asked again.
  if (ctx.state.image && validateImageName(ctx.state.image) === true) return ctx.state.image;
  const def = deriveImageName(basename(env.files.cwd));
  if (!env.prompter.interactive) return def;
  return env.prompter.input({ message: 'Image name', default: def, validate: validateImageName }, { signal });
}

async function chooseSource(ctx: StepContext, env: Env, signal: AbortSignal): Promise<ImageSource> {
  const hasDockerfile = await env.files.exists('Dockerfile');
  const flag = ctx.flags.source;
  if (flag !== undefined) {
    if (flag === 'build' && !hasDockerfile) {
      throw badSource(`--source build needs a Dockerfile in ${env.files.cwd}, and there is none.`, ['Use --source sample to push a tiny verification image instead, or run from the folder with your Dockerfile.']);
    }
    return flag; // its syntax was checked by validate()
  }
  if (ctx.state.source) return ctx.state.source;
  const def: ImageSource = hasDockerfile ? 'build' : 'sample';
  if (!env.prompter.interactive) return def;

  const choices: Choice<SourceKind>[] = [];
  if (hasDockerfile) choices.push({ value: 'build', name: 'Build ./Dockerfile', description: `docker build in ${env.files.cwd}`, short: 'build ./Dockerfile' });
  choices.push({ value: 'local', name: 'An image already on this machine', description: 'pick from docker image ls', short: 'a local image' });
  choices.push({
    value: 'sample',
    name: 'A tiny verification image',
    description: 'No Dockerfile needed, made offline: one text file that proves login and push work before you write the Dockerfile.',
    short: 'the verification image',
  });
  for (;;) {
    const kind = await env.prompter.select<SourceKind>({ message: 'What to push first', choices, default: kindOf(def) }, { signal });
    if (kind !== 'local') return kind;
    ctx.report.activity('docker image ls');
    const images = (await env.docker.listImages(callOpts(ctx, signal))).filter((i) => validateLocalImageRef(i.ref) === true);
    if (images.length === 0) {
      ctx.report.warn('There are no tagged local images to choose from.');
      choices.splice(choices.findIndex((c) => c.value === 'local'), 1);
      continue;
    }
    const ref = await env.prompter.search<string>(
      {
        message: 'Local image (type to filter)',
        choices: images.map((i) => ({ value: i.ref, name: i.ref, description: [i.os && i.architecture ? `${i.os}/${i.architecture}` : '', i.id.slice(0, 19)].filter(Boolean).join('  ') })),
      },
      { signal },
    );
    return { local: ref };
  }
}

function platformOf(i: LocalImage): string {
  return `${i.os ?? '?'}/${i.architecture ?? '?'}`;
}
function isAmd64(i: LocalImage): boolean {
  return (i.os === undefined || i.os === 'linux') && (i.architecture === undefined || i.architecture === 'amd64');
}

/** The local image a source gives. */
function localRef(image: string, source: ImageSource): string {
  return source === 'sample' ? SAMPLE_LOCAL_REF : source === 'build' ? `${image}:latest` : source.local;
}

/** Whether `source`'s image could be rebuilt for linux/amd64 here: what we build, or a local image with this folder's Dockerfile. */
async function canRebuild(ctx: StepContext, env: Env, source: ImageSource): Promise<boolean> {
  return !ctx.flags.yes && env.prompter.interactive && (source === 'build' || (typeof source === 'object' && (await env.files.exists('Dockerfile'))));
}

function notAmd64(local: string, info: LocalImage): string {
  return `${local} is built for ${platformOf(info)}, but Cloud Run runs only ${AMD64} images: deploying it would fail later with "exec format error".`;
}

/** Read-only: a local image must exist; one that is not linux/amd64 may be rebuilt (asked now). */
async function askAboutLocal(ctx: StepContext, env: Env, source: { local: string }, signal: AbortSignal): Promise<boolean> {
  const info = await env.docker.inspectImage(source.local, callOpts(ctx, signal));
  if (!info) throw badSource(`There is no local image ${JSON.stringify(source.local)}.`, ['See your images with docker image ls, then pass one with --source, or use --source sample.']);
  if (isAmd64(info)) return false;
  const warning = notAmd64(source.local, info);
  if ((await canRebuild(ctx, env, source)) && (await env.prompter.confirm({ message: `${warning} Rebuild it for ${AMD64} now?`, default: true }, { signal }))) return true;
  ctx.report.warn(`${warning} Rebuild with: docker build --platform ${AMD64} --no-cache -t ${source.local} .`);
  return false;
}

/**
 * Builds, loads or takes the local image, and makes sure it is linux/amd64 where it can. A local
 * image was looked at when asked about (rebuilt here if the answer was yes); one we build shows its
 * platform only once built: then `rebuild` may ask, the one question that can come after the plan.
 */
async function prepareLocal(ctx: StepContext, env: Env, image: string, source: ImageSource, rebuild: (warning: string) => Promise<boolean>, signal: AbortSignal): Promise<string> {
  const opts = callOpts(ctx, signal);
  const local = localRef(image, source);
  const rebuildNow = async () => {
    ctx.report.activity(`rebuilding ${local} for ${AMD64}`);
    await withContext(`docker build --platform ${AMD64} --no-cache -t ${local} .`, () => env.docker.build({ context: env.files.cwd, tag: local, platform: AMD64, noCache: true }, opts));
    const info = await env.docker.inspectImage(local, opts);
    if (info && !isAmd64(info)) ctx.report.warn(`${local} is still ${platformOf(info)} after the rebuild.`);
  };
  if (typeof source === 'object') {
    if (ctx.state.rebuild) await rebuildNow();
    return local;
  }
  if (source === 'build') {
    ctx.report.activity(`building ${local} from ./Dockerfile`);
    await withContext(`docker build -t ${local} .`, () => env.docker.build({ context: env.files.cwd, tag: local }, opts));
  } else {
    // Made in memory and loaded, not built: the legacy builder asks every credential helper in the
    // Docker config for credentials, and this image needs none. It may be loaded already (early()).
    ctx.report.activity('loading the verification image (FROM scratch + hello.txt, made here, nothing downloaded)');
    await withContext('load the verification image', () => takeEarly(ctx.early, SAMPLE_LOAD, () => env.docker.load(verificationArchive(), opts)));
    return local; // made here, for linux/amd64: loaded is there, nothing to look at
  }
  const info = await env.docker.inspectImage(local, opts);
  if (!info) throw new ExternalError(`docker build finished but the image ${local} is not there.`, { command: `docker image inspect ${local}` });
  if (!isAmd64(info)) {
    const warning = notAmd64(local, info);
    if (await rebuild(warning)) await rebuildNow();
    else ctx.report.warn(`${warning} Rebuild with: docker build --platform ${AMD64} --no-cache -t ${local} .`);
  }
  return local;
}

/** The commands that make the local image (the guide's `docker build`, or what we did instead). */
function buildCommands(source: ImageSource | undefined, local: string, rebuilt: boolean): string[] {
  if (rebuilt) return [`docker build --platform ${AMD64} --no-cache -t ${sh(local)} .`];
  if (source === 'sample') {
    return [
      '# the verification image: FROM scratch plus one text file (nothing is downloaded);',
      '# registry-setup makes the same one-file image in memory and loads it with docker load',
      'dir=$(mktemp -d)',
      `printf '%s' ${sh(SAMPLE_TEXT.replace(/\n/g, ' ').trim())} > "$dir/hello.txt"`,
      `printf 'FROM scratch\\nCOPY hello.txt /\\n' > "$dir/Dockerfile"`,
      `docker build --platform ${AMD64} -t ${local} "$dir"`,
    ];
  }
  if (source === 'build') return [`docker build -t ${sh(local)} .`];
  if (source === undefined) return [`docker build -t ${sh(local)} .  # or, without a Dockerfile, a tiny FROM scratch verification image`];
  return [];
}

/** A push (one tag, or all of them at once), retried once where Docker can resume; errors explained. `ref` names it in messages. */
async function pushWithRetry<T>(ctx: StepContext, env: Env, ref: string, project: string, repo: string, host: string, doPush: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await doPush();
    } catch (e) {
      const reason = failureReason(e);
      // Docker resumes layers, so one more try is cheap: for a dropped connection, or a token that expired mid-push.
      if (attempt === 1 && (reason === 'PUSH_UNAUTHORIZED' || reason === 'PUSH_CONNECTION')) {
        ctx.report.note({ type: 'retry', text: `${reason === 'PUSH_UNAUTHORIZED' ? 'the registry asked to log in again' : 'the connection dropped'}; pushing again (Docker keeps finished layers)`, attempt: 2, of: 2, delayMs: 0 });
        continue;
      }
      if (reason === 'HELPER_FAILED' || reason === 'PUSH_NO_CREDENTIALS' || reason === 'PUSH_UNAUTHORIZED') await diagnoseLogin(ctx, env, host);
      throw await explainFailure(e, env, { project, repo, host, ref, role: ROLES.push, doing: 'push images' });
    }
  }
}

/**
 * Docker's login for the push comes from docker-credential-gcloud; nothing runs it beforehand (the
 * push is the check). Refused: ask the helper directly, as Docker did, to say why in its words.
 */
async function diagnoseLogin(ctx: StepContext, env: Env, host: string): Promise<void> {
  ctx.report.activity(`asking docker-credential-gcloud for ${host}, as Docker did`);
  const cred = await env.docker.helperCredential('gcloud', host).catch(() => null);
  if (cred && !cred.ok) throw helperGaveNoCredential(host, cred.message);
}

/**
 * Push every tag. Each `docker push` process asks the credential helper (about a second of CPU), so
 * when the local tags of `base` are exactly ours, one `docker push --all-tags` sends them all;
 * otherwise (other local tags of that name would go too, or Docker is older than 20.10) one push per
 * tag: the first uploads the layers, the others then cost only their manifests.
 */
async function pushTags(ctx: StepContext, env: Env, base: string, tags: string[], localTags: Promise<string[]>, where: { project: string; repo: string; host: string }, signal: AbortSignal): Promise<PushResult[]> {
  const { project, repo, host } = where;
  // Listed while our tags were being made, so ours may or may not be in it yet: add them.
  const local = [...new Set([...(await localTags), ...tags])];
  if (local.length === tags.length) {
    try {
      const byTag = await withContext(`docker push --all-tags ${base}`, () =>
        pushWithRetry(ctx, env, `${base}:${tags[0]}`, project, repo, host, () => env.docker.pushAllTags(base, callOpts(ctx, signal))),
      );
      const missing = tags.filter((t) => !byTag[t]);
      if (missing.length) {
        throw new ExternalError(`\`docker push --all-tags ${base}\` reported no digest for ${missing.join(', ')}, so the push cannot be trusted.`, { command: `docker push --all-tags ${base}` }, ['Run registry-setup again.']);
      }
      return tags.map((t) => byTag[t]!);
    } catch (e) {
      if (failureReason(e) !== 'NO_ALL_TAGS') throw e;
      ctx.report.activity('this Docker has no push --all-tags: pushing each tag by name');
    }
  } else if (local.length > tags.length) {
    ctx.report.activity(`other local tags of ${base} exist (${local.filter((t) => !tags.includes(t)).slice(0, 3).join(', ')}), so each of ours is pushed by name`);
  }
  const pushOne = (ref: string) => withContext(`docker push ${ref}`, () => pushWithRetry(ctx, env, ref, project, repo, host, () => env.docker.push(ref, callOpts(ctx, signal))));
  const refs = tags.map((t) => `${base}:${t}`);
  // The first tag alone: it uploads the layers. Two pushes uploading the same new blobs at once can
  // race in a registry ("blob unknown" for one of the manifests, seen on the lab's registry after
  // an interrupted upload). The other tags then only add their manifests, so they go at once.
  const first = await pushOne(refs[0]!);
  const settled = await Promise.allSettled(refs.slice(1).map(pushOne));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return [first, ...settled.map((r) => (r as PromiseFulfilledResult<PushResult>).value)];
}

class NotListedYet extends Error {}

/** The API's listing must show `digest` under the image with every tag; the listing that does. */
async function verifyInApi(ctx: StepContext, env: Env, repositoryName: string, base: string, image: string, digest: string, tags: string[], reading: FailureContext, signal: AbortSignal) {
  const uri = `${base}@${digest}`;
  const encodedName = `${repositoryName}/dockerImages/${encodeURIComponent(image)}@${digest}`;
  ctx.report.activity('checking the pushed image through the Artifact Registry API');
  try {
    return await retry(
      async () => {
        const images = await env.api.listDockerImages(repositoryName, callOpts(ctx, signal));
        const entry = images.find((i) => i.uri === uri || i.name === encodedName);
        const missing = entry ? tags.filter((t) => !entry.tags.includes(t)) : tags;
        if (!entry || missing.length) throw new NotListedYet(entry ? `tags ${missing.join(', ')} are not on ${uri}` : `${uri} is not listed`);
        return images;
      },
      {
        ...VERIFY_RETRY,
        clock: env.clock,
        signal,
        isRetryable: (e) => e instanceof NotListedYet,
        onRetry: ({ attempt, of, delayMs }) => ctx.report.note({ type: 'retry', text: 'the registry does not list the image yet; checking again', attempt, of, delayMs }),
      },
    );
  } catch (e) {
    if (e instanceof NotListedYet) {
      throw new ExternalError(
        `Docker reported pushing ${digest}, but the registry does not confirm it: ${e.message}.`,
        { command: `gcloud artifacts docker images list ${base} --include-tags` },
        ['Run registry-setup again to push once more (your progress is saved).'],
      );
    }
    throw await explainFailure(e, env, reading);
  }
}

export const push: Step = {
  id: 'push',
  title: 'Push the first image',
  explain: EXPLAIN.push,

  validate(flags) {
    validateImageFlag(flags.image);
    if (typeof flags.source === 'object') {
      const v = validateLocalImageRef(flags.source.local);
      if (v !== true) throw badSource(`--source ${JSON.stringify(flags.source.local)}: ${v}`, ['Pass build, sample, or a local image such as myapp:latest.']);
    }
  },

  async ask(ctx, env, signal) {
    const image = await chooseImageName(ctx, env, signal);
    const source = await chooseSource(ctx, env, signal);
    const rebuild = typeof source === 'object' ? await askAboutLocal(ctx, env, source, signal) : false;
    return { image, source, rebuild };
  },

  async execute(ctx, env, signal) {
    const project = need(ctx.state.project, 'the project', 'push');
    const repositoryName = need(ctx.state.repositoryName, 'the repository', 'push');
    const host = need(ctx.state.registryHost, 'the registry host', 'push');
    const repo: string = need(ctx.state.repository ?? parseRepositoryName(repositoryName)?.repository, 'the repository ID', 'push');
    const image = need(ctx.state.image, 'the image name', 'push');
    const source = need(ctx.state.source, 'the image source', 'push');

    let rebuilt = ctx.state.rebuild === true && typeof source === 'object';
    const rebuild = async (warning: string) =>
      (rebuilt = (await canRebuild(ctx, env, source)) && (await env.prompter.confirm({ message: `${warning} Rebuild it for ${AMD64} now?`, default: true }, { signal })));
    const local = await prepareLocal(ctx, env, image, source, rebuild, signal);

    let sha = await env.git.shortSha({ signal });
    if (sha && validateTag(sha) !== true) sha = null;
    if (!sha) ctx.report.warn('No git commit here, so only the latest tag is pushed (run from your git repository to also tag the commit).');
    const tags = sha ? ['latest', sha] : ['latest'];
    const base = imageRef(host, project, repo, image);

    // Saved progress may not carry the setting (repository step re-checked, not re-run): ask the API.
    const reading: FailureContext = { project, repo, host, role: ROLES.push, doing: 'read repositories' };
    const immutable =
      ctx.state.immutableTags ??
      (await withContext(`read repository ${repo}`, () => explained(env, reading, () => env.api.getRepository(repositoryName, callOpts(ctx, signal)))))?.immutableTags === true;
    if (immutable) {
      const images = await withContext('list images in the repository', () => explained(env, reading, () => env.api.listDockerImages(repositoryName, callOpts(ctx, signal))));
      const taken = images.find((i) => i.uri.startsWith(`${base}@`) && i.tags.includes('latest'));
      if (taken && !(sha && taken.tags.includes(sha))) {
        throw new UserError(
          `Repository ${repo} has immutable tags, and ${image}:latest already points to another image (${taken.uri.split('@')[1]?.slice(0, 19)}…). In such a repository a tag, once used, can never move to a new image.`,
          [
            'Push under another image name: --image NAME',
            `Or allow tags to move: in the Cloud console open Artifact Registry → ${repo} → Edit and turn off "Immutable image tags", then run registry-setup again.`,
          ],
        );
      }
    }

    const refs = tags.map((t) => `${base}:${t}`);
    ctx.report.activity(`tagging ${local} as ${tags.join(' and ')}`);
    const tagged = Promise.all(refs.map((ref) => withContext(`docker tag ${local} ${ref}`, () => env.docker.tag(local, ref, callOpts(ctx, signal)))));
    // Meanwhile: which tags of this image name are on this machine (decides how to push, below).
    const localTags = withContext(`docker image ls ${base}`, () => env.docker.localTags(base, callOpts(ctx, signal)));
    localTags.catch(() => {}); // awaited in pushTags; a failed tag first must not leave it unhandled
    await tagged;
    ctx.report.activity(`pushing ${image}:${tags.join(` and ${image}:`)} to ${host}`);
    const results = await pushTags(ctx, env, base, tags, localTags, { project, repo, host }, signal);
    const digest = results[0].digest;
    if (results.some((r) => r.digest !== digest)) {
      throw new ExternalError(`Docker reported different digests for the tags of one image: ${results.map((r) => r.digest).join(', ')}.`, {}, ['Run registry-setup again.']);
    }
    const listed = await verifyInApi(ctx, env, repositoryName, base, image, digest, tags, reading, signal);
    // The summary's list is this one (one started with the re-checks came before this push).
    ctx.early?.replace(imagesWithDigest(repositoryName, digest), async () => listed);
    ctx.report.item({ label: 'in the registry', status: 'ok', detail: `${image}@${digest}, tags ${tags.join(' and ')}` });

    return {
      state: { image, source, localImage: local, sha, imageUris: refs, digest, rebuild: rebuilt },
      summary: `${image}:${tags.join(' and :')} (${digest.slice(0, 19)}…)`,
    };
  },

  // When the push will use the verification image (--source sample, or no Dockerfile and nothing
  // else chosen), load it in the background: one tiny local image, no credential helper asked.
  // Only once Docker's daemon has answered (preflight's docker info): nothing starts while it is down.
  early(ctx, env) {
    const p = ctx.early;
    if (!p) return;
    const source = ctx.flags.source ?? ctx.state.source;
    if (source !== undefined && source !== 'sample') return;
    const daemon = p.peek<DockerInfo>(EARLY_DOCKER_INFO); // now: preflight takes it when it starts
    p.start(SAMPLE_LOAD, async (signal) => {
      if (source === undefined && (env.prompter.interactive || (await env.files.exists('Dockerfile')))) throw new Error('not the verification image');
      if (!daemonUp(await (daemon ?? env.docker.info({ signal, background: true })))) throw new Error('Docker is not running');
      await env.docker.load(verificationArchive(), { ...callOpts(ctx, signal), background: true });
    });
  },

  commands({ flags, state, cwd }) {
    const project = state.project ?? flags.project ?? 'PROJECT';
    const host = state.registryHost ?? registryHost(state.location ?? flags.region ?? 'REGION');
    // The repository step's default (derived from the project) when nothing else is known yet.
    const repo = state.repository ?? flags.repository ?? (project !== 'PROJECT' ? deriveRepositoryId(project) : 'REPOSITORY');
    // The name the run would choose by default: this folder's name.
    const image = state.image ?? flags.image ?? (cwd ? deriveImageName(basename(cwd)) : 'IMAGE');
    const source = state.source ?? flags.source;
    const local = state.localImage ?? (source ? localRef(image, source) : `${image}:latest`);
    const base = imageRef(host, project, repo, image);
    const refs = state.imageUris?.length ? state.imageUris : [`${base}:latest`, `${base}:${state.sha ?? '$(git rev-parse --short HEAD)'}`];
    return [...buildCommands(source, local, state.rebuild === true), ...refs.map((u) => `docker tag ${sh(local)} ${u}`), ...refs.map((u) => `docker push ${u}`)];
  },

  changes({ flags, state, cwd }) {
    if (!state.registryHost && !state.location) return [];
    const image = state.image ?? flags.image ?? (cwd ? deriveImageName(basename(cwd)) : 'IMAGE');
    const source = state.source ?? flags.source;
    const made = source === 'sample' ? `loads the verification image ${SAMPLE_LOCAL_REF} into Docker` : source === 'build' ? `builds ${image}:latest from ./Dockerfile` : undefined;
    return [...(made ? [made] : []), `tags it ${image}:latest and ${image}:<git short sha> for the registry, and pushes both`];
  },

  check: safeCheck(async (ctx: StepContext, env: Env, signal?: AbortSignal) => {
    const { repositoryName, digest, imageUris } = ctx.state;
    if (!repositoryName || !digest || !imageUris?.length) return { done: false, why: 'nothing pushed yet' };
    const images = await env.api.listDockerImages(repositoryName, { signal });
    const base = imageUris[0].replace(/:[^:/]+$/, '');
    const tags = imageUris.map((u) => u.slice(u.lastIndexOf(':') + 1));
    const entry = images.find((i) => i.uri === `${base}@${digest}`);
    if (!entry) return { done: false, why: `${base}@${digest} is no longer in the registry` };
    const missing = tags.filter((t) => !entry.tags.includes(t));
    return missing.length ? { done: false, why: `tag ${missing.join(', ')} moved` } : { done: true, summary: `${base.slice(base.lastIndexOf('/') + 1)}:${tags.join(' and :')} still there` };
  }),
};

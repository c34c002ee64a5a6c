// What `undo` would remove, from the saved record and a read-only look at each part: the credHelpers
// entry, the local tags of the push, the cleanup policy (and the policies it replaced), the
// repository. Only what the record says registry-setup made is a candidate; anything found already
// there, or changed since, is left in place with the reason.
import type { CallOpts, CleanupPolicy, Env, Repository, WizardState } from '../ports.js';
import type { StepId } from '../steps/types.js';
import { toWizardError, withContext } from '../errors.js';
import { ROLES, humanBytes } from '../facts.js';
import { registryUrl } from '../naming.js';
import { HELPER, credHelperFor, withoutCredHelper } from '../steps/docker-auth.js';
import { explainFailure, explained, type FailureContext } from '../steps/failures.js';
import { describePolicy, undoPolicies, type PolicyUndo } from '../cleanupPolicy.js';
import { memo } from '../memo.js';

export type UndoKind = 'docker-entry' | 'local-tag' | 'cleanup-policy' | 'repository' | 'local-image';

/** One part, as the lines and the JSON document show it. */
export interface UndoItem {
  kind: UndoKind;
  name: string;
  detail: string;
}

type State = Partial<WizardState>;

/** A part registry-setup made: how to remove it, and what the record says once it is gone. */
export interface Removal extends UndoItem {
  /** True when this removed it; false when it was gone already. */
  remove(opts: CallOpts): Promise<boolean>;
  /** The saved state without this part. */
  forget(state: State): State;
  /** The setup's steps that no longer stand once it is gone (they run again in a later setup). */
  undoes: StepId[];
}

/** The repository registry-setup created, still there: removed only when the user says so. */
export interface RepositoryRemoval extends Removal {
  images: number;
  bytes: number;
}

export interface UndoPlan {
  remove: Removal[];
  /** Gone already (an earlier undo, or the user): only the record changes. */
  gone: Removal[];
  /** Changed since registry-setup made it: no longer ours, so the record forgets it and it stays. */
  disowned: Removal[];
  kept: UndoItem[];
  repository?: RepositoryRemoval;
}

/** Whether the record still names something registry-setup made. */
export function oursLeft(s: State): boolean {
  return s.dockerEntryAdded === true || (s.imageUris?.length ?? 0) > 0 || s.createdRepository === true || (s.cleanupSet?.length ?? 0) > 0;
}

/** "2 images" */
export function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/** What the repository holds, in words: "2 images (1.2 MB)". */
export function holds(r: Pick<RepositoryRemoval, 'images' | 'bytes'>): string {
  return `${count(r.images, 'image')}${r.images ? ` (${humanBytes(r.bytes)})` : ''}`;
}

function failureContext(s: State, doing: string, more: Partial<FailureContext> = {}): FailureContext {
  return { project: s.project ?? 'PROJECT', role: ROLES.delete, doing, repo: s.repository, host: s.registryHost, ...more };
}

async function lookEntry(env: Env, s: State, plan: UndoPlan): Promise<void> {
  const host = s.registryHost;
  if (!host) return;
  const { dockerConfig } = env;
  const value = credHelperFor(await withContext(`read ${dockerConfig.path}`, () => dockerConfig.read()), host);
  const name = `credHelpers["${host}"]`;
  if (s.dockerEntryAdded !== true) {
    if (value !== undefined) plan.kept.push({ kind: 'docker-entry', name, detail: `registry-setup has no record of adding it to ${dockerConfig.path}, so it stays` });
    return;
  }
  const removal: Removal = {
    kind: 'docker-entry',
    name,
    detail: `added to ${dockerConfig.path} by registry-setup; only this key goes (backup first, then an atomic replace)`,
    remove: () => removeEntry(env, host),
    forget: ({ dockerEntryAdded: _gone, ...rest }) => rest,
    undoes: ['docker-auth', 'summary'],
  };
  if (value === undefined) plan.gone.push(removal);
  else if (value === HELPER) plan.remove.push(removal);
  else {
    // Changed since: no longer ours. The record forgets it; the file keeps it.
    plan.kept.push({ kind: 'docker-entry', name, detail: `it sends ${host} to "${String(value)}" now, not "${HELPER}": changed since registry-setup added it, so it stays` });
    plan.disowned.push(removal);
  }
}

/** Reads the file again at removal time and takes out the key only if it still names our helper. */
async function removeEntry(env: Env, host: string): Promise<boolean> {
  const { dockerConfig } = env;
  const config = await withContext(`read ${dockerConfig.path}`, () => dockerConfig.read());
  if (credHelperFor(config, host) !== HELPER) return false;
  await withContext(`update ${dockerConfig.path}`, () => dockerConfig.write(withoutCredHelper(config, host)));
  return true;
}

function tagRemoval(env: Env, s: State, ref: string): Removal {
  return {
    kind: 'local-tag',
    name: ref,
    detail: 'tagged by registry-setup for the push; only this name goes (docker image rm --no-prune), the image stays under its other names',
    remove: (opts) => explained(env, failureContext(s, 'remove local tags', { ref }), () => env.docker.untag(ref, opts)),
    forget: (st) => {
      const left = (st.imageUris ?? []).filter((u) => u !== ref);
      const { imageUris: _all, ...rest } = st;
      return left.length ? { ...rest, imageUris: left } : rest;
    },
    undoes: ['push', 'summary'],
  };
}

async function lookTags(env: Env, s: State, plan: UndoPlan, opts: CallOpts): Promise<void> {
  const refs = s.imageUris ?? [];
  const base = s.registryHost && s.project && s.repository ? `${registryUrl(s.registryHost, s.project, s.repository)}/` : undefined;
  for (const ref of refs) {
    const removal = tagRemoval(env, s, ref);
    // Only names in the repository the push went to (a damaged record names nothing else of the user's).
    if (!base || !ref.startsWith(base) || !/:[^:/]+$/.test(ref)) {
      plan.kept.push({ kind: 'local-tag', name: ref, detail: 'not a tag in the repository registry-setup pushed to, so it stays' });
      continue;
    }
    try {
      (await env.docker.inspectImage(ref, opts)) ? plan.remove.push(removal) : plan.gone.push(removal);
    } catch (e) {
      const w = toWizardError(await explainFailure(e, env, failureContext(s, 'look at local images', { ref })));
      if (w.kind === 'cancel') throw w;
      plan.kept.push({ kind: 'local-tag', name: ref, detail: `Docker could not be asked about it (${w.message}); run registry-setup undo again once Docker answers` });
    }
  }
  if (s.localImage) {
    const detail =
      s.source === 'sample'
        ? `registry-setup's verification image, which the push came from; undo leaves it, as other setups may use it (docker image rm ${s.localImage} removes it)`
        : 'the local image the push came from; undo leaves it';
    plan.kept.push({ kind: 'local-image', name: s.localImage, detail });
  }
}

/** The record without the cleanup step's answer and what it set (a later setup asks again). */
function forgetCleanup(st: State): State {
  const { cleanup: _c, cleanupPolicies: _p, cleanupSet: _s, cleanupReplaced: _r, ...rest } = st;
  return rest;
}

/** "keep-most-recent (keep 10) and delete-untagged-30d" */
function policyNames(list: readonly CleanupPolicy[]): string {
  const keepFirst = [...list].sort((a, b) => Number(a.action !== 'KEEP') - Number(b.action !== 'KEEP'));
  const names = keepFirst.map((p) => (p.mostRecentVersions?.keepCount !== undefined ? `${p.id} (keep ${p.mostRecentVersions.keepCount})` : p.id));
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : (names[0] ?? 'none');
}

function policyDetail(u: PolicyUndo): string {
  const back = u.restore.length
    ? `; then ${u.restore.length === 1 ? 'your earlier policy comes' : `your ${u.restore.length} earlier policies come`} back as they were${u.dryRun ? ' (in dry run: they only log)' : ''}: ${u.restore.map(describePolicy).join('; ')}`
    : '';
  const others = u.next.length - u.restore.length;
  const stay = others === 1 ? "the repository's other policy stays" : `the repository's ${others} other policies stay`;
  return `set by registry-setup; only ${u.ours.length === 1 ? 'it goes' : 'these go'}${others ? ` (${stay})` : ''}${back}`;
}

function policyRemoval(env: Env, s: State, repo: string, u: PolicyUndo): Removal {
  const name = s.repositoryName ?? '';
  const ctx = failureContext(s, 'change the cleanup policies of repositories');
  return {
    kind: 'cleanup-policy',
    name: `${policyNames(u.ours.length ? u.ours : (s.cleanupSet ?? []))} on ${repo}`,
    detail: policyDetail(u),
    // Looked at again at removal time: only what is still ours goes, in one write of the rest.
    remove: async (opts) => {
      const now = await explained(env, ctx, () => env.api.getRepository(name, opts));
      const again = now && undoPolicies(now.cleanupPolicies ?? [], now.cleanupPolicyDryRun === true, s.cleanupSet ?? [], s.cleanupReplaced);
      if (!again || (!again.ours.length && !again.restore.length)) return false;
      await explained(env, ctx, () => env.api.setCleanupPolicies(name, again.next, again.dryRun, opts));
      return true;
    },
    forget: forgetCleanup,
    undoes: ['cleanup', 'summary'],
  };
}

/** What changed since registry-setup set its policies: left in place, with why. */
function keptPolicies(plan: UndoPlan, repo: string, u: PolicyUndo): void {
  for (const p of u.edited) {
    plan.kept.push({ kind: 'cleanup-policy', name: `${p.id} on ${repo}`, detail: `changed since registry-setup set it (now ${describePolicy(p)}), so it stays` });
  }
  if (u.notRestored.length) {
    const what = u.notRestored.map(describePolicy).join('; ');
    plan.kept.push({
      kind: 'cleanup-policy',
      name: `your earlier policies on ${repo}`,
      detail: `not put back, as registry-setup's policy was already taken off and the policies changed since; they were: ${what}`,
    });
  }
}

async function lookPolicies(env: Env, s: State, plan: UndoPlan, look: Look): Promise<void> {
  const set = s.cleanupSet ?? [];
  const repo = s.repository ?? 'the repository';
  if (!set.length || !s.repositoryName) return;
  const found = await look.repository();
  if (!found) return void plan.gone.push(policyRemoval(env, s, repo, undoPolicies([], false, set)));
  const u = undoPolicies(found.cleanupPolicies ?? [], found.cleanupPolicyDryRun === true, set, s.cleanupReplaced);
  const removal = policyRemoval(env, s, repo, u);
  keptPolicies(plan, repo, u);
  if (u.ours.length) plan.remove.push(removal);
  else if (u.edited.length || u.notRestored.length) plan.disowned.push(removal);
  else plan.gone.push(removal);
}

function repositoryRemoval(env: Env, s: State, name: string, id: string): Removal {
  return {
    kind: 'repository',
    name: id,
    detail: `created by registry-setup in ${s.location ?? 'its region'}; its images go with it`,
    remove: (opts) => explained(env, failureContext(s, 'delete repositories'), () => env.api.deleteRepository(name, opts)),
    // Its cleanup policies go with it.
    forget: (st) => {
      const { createdRepository: _c, repositoryExists: _e, repositoryName: _n, immutableTags: _i, storage: _s, ...rest } = forgetCleanup(st);
      return rest;
    },
    undoes: ['repository', 'push', 'cleanup', 'summary'],
  };
}

async function lookRepository(env: Env, s: State, plan: UndoPlan, look: Look): Promise<void> {
  const { repositoryName: name, repository: id } = s;
  if (!name || !id) return;
  if (s.createdRepository !== true) {
    if (s.createdRepository === false || s.repositoryExists === true) {
      plan.kept.push({ kind: 'repository', name: id, detail: 'registry-setup found it already there, so undo never deletes it' });
    }
    return;
  }
  const removal = repositoryRemoval(env, s, name, id);
  const repo = await look.repository();
  if (!repo) return void plan.gone.push(removal);
  const images = await explained(env, failureContext(s, 'look at repositories'), () => env.api.listDockerImages(name, look.opts));
  const bytes = images.reduce((n, i) => n + (i.imageSizeBytes ?? 0), 0);
  plan.repository = { ...removal, images: images.length, bytes };
}

/** The repository, read once for the parts that need it (its policies, whether it is there). */
interface Look {
  opts: CallOpts;
  repository(): Promise<Repository | null>;
}

/** Looks at every part the record names (changes nothing). */
export async function lookAtParts(env: Env, s: State, opts: CallOpts): Promise<UndoPlan> {
  const plan: UndoPlan = { remove: [], gone: [], disowned: [], kept: [] };
  const read = memo(() => explained(env, failureContext(s, 'look at repositories'), () => env.api.getRepository(s.repositoryName ?? '', opts)));
  const look: Look = { opts, repository: read.get };
  await lookEntry(env, s, plan);
  await lookTags(env, s, plan, opts);
  await lookPolicies(env, s, plan, look);
  await lookRepository(env, s, plan, look);
  return plan;
}

/** The repository is to be deleted: its cleanup policies go with it, so they are not changed first. */
export function withRepository(plan: UndoPlan): void {
  if (plan.remove.some((r) => r.kind === 'repository')) plan.remove = plan.remove.filter((r) => r.kind !== 'cleanup-policy');
}

// Step 7: a cleanup policy for the repository, so old versions do not pile up in the free storage.
// Offered with what it would delete today; set through the API only when the answer is yes.

import { EXPLAIN } from './explain.js';
import type { CleanupChoice, CleanupPolicy, DockerImage, Env, WizardState } from '../ports.js';
import type { Flags, PlanContext, Step, StepContext, StepOutcome } from './types.js';
import { UserError, withContext } from '../errors.js';
import { ROLES } from '../facts.js';
import { deriveRepositoryId, parseRepositoryName } from '../naming.js';
import { quoteArg as sh } from '../quote.js';
import {
  DEFAULT_KEEP, MAX_KEEP, POLICY_FILE, UNTAGGED_DAYS, describePolicy, foreignPolicies, ourKeep, ourPolicies, policyFile, preview, previewText, recordBeforeSet, validateKeep,
} from '../cleanupPolicy.js';
import { callOpts, need, safeCheck } from './common.js';
import { explained, type FailureContext } from './failures.js';

/** Where the repository is, for commands: what is known, else placeholders. */
function where({ flags, state }: PlanContext): { project: string; location: string; id: string } {
  const done = state.repositoryName ? parseRepositoryName(state.repositoryName) : null;
  const project = done?.project ?? state.project ?? flags.project ?? 'PROJECT';
  const location = done?.location ?? state.location ?? flags.region ?? 'REGION';
  const id = done?.repository ?? state.repository ?? flags.repository ?? (project !== 'PROJECT' ? deriveRepositoryId(project) : 'REPOSITORY');
  return { project, location, id };
}

/** gcloud's command that sets the policy file's policies, dry run off. */
export function setCommand(w: { project: string; location: string; id: string }): string {
  return `gcloud artifacts repositories set-cleanup-policies ${sh(w.id)} --location=${w.location} --project=${w.project} --policy=${POLICY_FILE} --no-dry-run`;
}

/** The choice the flags make, before anything is asked. */
function flagChoice(flags: Flags): CleanupChoice | undefined {
  if (flags.cleanup === 'none') return 'declined';
  if (flags.cleanup) return { keep: flags.cleanup.keep };
  return flags.yes ? 'not-asked' : undefined;
}

const policyWords = (keep: number) => `keep the ${keep} most recent versions of each image, delete untagged versions older than ${UNTAGGED_DAYS} days`;
const addLater = (keep = DEFAULT_KEEP) => `registry-setup --cleanup keep=${keep}`;
/** The policy as the step's result line says it (after the label "Cleanup"). */
const inShort = (keep: number) => `keep ${keep} most recent, delete untagged after ${UNTAGGED_DAYS} days`;
const KEPT_OWN = 'its own policies, left as they are';

/** The repository's own policies, in words, for the question and the warning. */
function listed(policies: readonly CleanupPolicy[]): string {
  return policies.map(describePolicy).join('; ');
}

function leftAlone(repo: string, policies: readonly CleanupPolicy[], keep: number, w: { project: string; location: string }): string {
  return (
    `${repo} already has ${policies.length === 1 ? 'a cleanup policy' : `${policies.length} cleanup policies`} of its own (${listed(policies)}), left as ${policies.length === 1 ? 'it is' : 'they are'}: --cleanup keep=${keep} was not applied. ` +
    `To replace them with registry-setup's policy, run registry-setup in a terminal and choose to replace them, or use: ${setCommand({ ...w, id: repo })} (with the policy file from the summary's script).`
  );
}

const reading = (project: string): FailureContext => ({ project, role: ROLES.create, doing: 'read repositories' });

/** The repository's policies and whether they only log (dry run). */
async function readPolicies(ctx: StepContext, env: Env, name: string, signal: AbortSignal): Promise<{ policies: CleanupPolicy[]; dryRun: boolean }> {
  const project = need(ctx.state.project, 'the project', 'cleanup');
  ctx.report.activity(`reading the cleanup policies of ${parseRepositoryName(name)?.repository ?? name}`);
  const repo = await withContext('read the repository', () => explained(env, reading(project), () => env.api.getRepository(name, callOpts(ctx, signal))));
  return { policies: repo?.cleanupPolicies ?? [], dryRun: repo?.cleanupPolicyDryRun === true };
}

/** The repository's policies now: [] for one that is not created yet; undefined when it cannot be looked at yet (the API is off). */
async function policiesNow(ctx: StepContext, env: Env, signal: AbortSignal): Promise<CleanupPolicy[] | undefined> {
  const { repositoryName: name, repositoryExists, enableApi } = ctx.state;
  if (repositoryExists === false) return [];
  return name && !enableApi ? (await readPolicies(ctx, env, name, signal)).policies : undefined;
}

/** What the repository holds, for "what it would delete today"; undefined when it cannot be listed (never fails the step). */
async function listImages(ctx: StepContext, env: Env, name: string, signal: AbortSignal): Promise<DockerImage[] | undefined> {
  try {
    ctx.report.activity('listing the repository, to show what the policy would delete today');
    return await env.api.listDockerImages(name, callOpts(ctx, signal));
  } catch (e) {
    if (signal.aborted) throw e;
    return undefined;
  }
}

/** At question time: a repository still to be created holds nothing; one behind an API still off cannot be listed. */
async function imagesNow(ctx: StepContext, env: Env, signal: AbortSignal): Promise<DockerImage[] | undefined> {
  const { repositoryName: name, repositoryExists, enableApi } = ctx.state;
  if (repositoryExists === false) return [];
  return name && !enableApi ? listImages(ctx, env, name, signal) : undefined;
}

function today(images: DockerImage[] | undefined, keep: number, now: number): string {
  return images ? previewText(preview(images, keep, now)) : 'what it would delete today shows once the repository can be listed';
}

/** The repository has policies of its own: replace them? (default: no) */
async function replaceThem(env: Env, policies: readonly CleanupPolicy[], signal: AbortSignal): Promise<boolean> {
  const answer = await env.prompter.select<'keep' | 'replace'>(
    {
      message: 'Its own cleanup policies',
      choices: [
        { value: 'keep', name: 'Leave them as they are', description: `${listed(policies)}. registry-setup sets no policy of its own.`, short: 'left as they are' },
        { value: 'replace', name: "Replace them with registry-setup's", description: `Ours: ${policyWords(DEFAULT_KEEP)} (the number can be changed next).`, short: 'replace them' },
      ],
      default: 'keep',
    },
    { signal },
  );
  return answer === 'replace';
}

/** What keeping `keep` versions means, today's preview included: a choice's dim line. */
const whatItDoes = (keep: number, images: DockerImage[] | undefined, now: number) =>
  `Keeps the ${keep} most recent versions of each image; untagged versions older than ${UNTAGGED_DAYS} days go. ${capital(today(images, keep, now))}.`;
const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const noPolicy = { value: 'no' as const, name: 'No cleanup policy for now', description: `Add one later with ${addLater()}.`, short: 'none for now' };

/** The offer, with what it would delete today: the number of versions to keep, or undefined for no. */
async function offer(env: Env, images: DockerImage[] | undefined, signal: AbortSignal): Promise<number | undefined> {
  const now = env.clock.now();
  const choice = await env.prompter.select<'default' | 'other' | 'no'>(
    {
      message: 'Cleanup policy',
      choices: [
        { value: 'default', name: `Keep the ${DEFAULT_KEEP} most recent versions`, description: whatItDoes(DEFAULT_KEEP, images, now), short: `keep ${DEFAULT_KEEP} recent versions` },
        { value: 'other', name: 'Keep another number of versions', description: 'Asked next, with what it would delete today.', short: 'another number' },
        noPolicy,
      ],
      default: 'default',
    },
    { signal },
  );
  if (choice !== 'other') return choice === 'default' ? DEFAULT_KEEP : undefined;
  const keep = Number(await env.prompter.input({ message: `Versions to keep (1 to ${MAX_KEEP})`, default: String(DEFAULT_KEEP), validate: validateKeep }, { signal }));
  const yes = await env.prompter.select<'yes' | 'no'>(
    {
      message: `Keep ${keep}: add this policy?`,
      choices: [{ value: 'yes', name: 'Yes, add it', description: whatItDoes(keep, images, now), short: 'yes' }, noPolicy],
      default: 'yes',
    },
    { signal },
  );
  return yes === 'yes' ? keep : undefined;
}

/** Nothing to set: the outcome says why, and how to add one later. */
function skipped(ctx: StepContext, repo: string, choice: CleanupChoice | undefined): StepOutcome {
  if (choice === 'kept-existing') {
    const own = ctx.state.cleanupPolicies ?? [];
    if (own.length) ctx.report.item({ label: `${repo} keeps`, status: 'ok', detail: listed(own) });
    return { state: {}, summary: KEPT_OWN };
  }
  return { state: {}, summary: `none set (add one later: ${addLater()})` };
}

/** Sets our policy; the repository's own policies stay unless the user chose to replace them. */
async function apply(ctx: StepContext, env: Env, choice: { keep: number; replace?: boolean }, signal: AbortSignal): Promise<StepOutcome> {
  const project = need(ctx.state.project, 'the project', 'cleanup');
  const name = need(ctx.state.repositoryName, 'the repository', 'cleanup');
  const repo = parseRepositoryName(name)?.repository ?? name;
  const { policies: current, dryRun } = await readPolicies(ctx, env, name, signal);
  if (ourKeep(current) === choice.keep && !dryRun) {
    return { state: { cleanupPolicies: current }, summary: `${inShort(choice.keep)} (already in place)` };
  }
  if (foreignPolicies(current) && !choice.replace) {
    ctx.report.warn(leftAlone(repo, current, choice.keep, where({ flags: ctx.flags, state: ctx.state })));
    return { state: { cleanup: 'kept-existing', cleanupPolicies: current }, summary: KEPT_OWN };
  }
  const images = await listImages(ctx, env, name, signal);
  ctx.report.activity(`setting the cleanup policy of ${repo} (${setCommand(where({ flags: ctx.flags, state: ctx.state }))})`);
  const denied: FailureContext = {
    project,
    role: ROLES.create,
    doing: 'change the cleanup policies of repositories',
    alternative: 'Or go on without a cleanup policy: run registry-setup again with --cleanup none (everything done so far is kept).',
  };
  const wanted = ourPolicies(choice.keep);
  // Saved first: undo removes what was set and puts back what it replaced, even after a kill right after the write.
  const record = recordBeforeSet(ctx.state, current, dryRun, wanted);
  await ctx.save(record);
  const updated = await withContext(`set the cleanup policy of ${repo}`, () => explained(env, denied, () => env.api.setCleanupPolicies(name, wanted, false, callOpts(ctx, signal))));
  if (images) ctx.report.item({ label: 'preview', status: 'ok', detail: today(images, choice.keep, env.clock.now()) });
  return { state: { ...record, cleanupSet: wanted, cleanupPolicies: updated.cleanupPolicies ?? wanted }, summary: inShort(choice.keep) };
}

export const cleanup: Step = {
  id: 'cleanup',
  title: 'Add a cleanup policy',
  explain: EXPLAIN.cleanup,

  validate(flags) {
    const c = flags.cleanup;
    if (c === undefined || c === 'none') return;
    if (validateKeep(String(c.keep)) !== true) {
      throw new UserError(`--cleanup keep=${c.keep}: keep between 1 and ${MAX_KEEP} versions.`, [`For example --cleanup keep=${DEFAULT_KEEP}, or --cleanup none.`], { flag: '--cleanup' });
    }
  },

  async ask(ctx, env, signal) {
    const repo = need(ctx.state.repository, 'the repository ID', 'cleanup');
    const flag = ctx.flags.cleanup;
    if (flag === 'none') return { cleanup: 'declined' };
    // Answered in an earlier run: not asked again ('not-asked' was no answer).
    const saved = ctx.state.cleanup;
    if (!flag && saved && saved !== 'not-asked') return { cleanup: saved };
    const policies = await policiesNow(ctx, env, signal);
    const seen: Partial<WizardState> = policies ? { cleanupPolicies: policies } : {};
    const foreign = foreignPolicies(policies);
    if (flag) {
      if (!foreign) return { cleanup: { keep: flag.keep }, ...seen };
      ctx.report.warn(leftAlone(repo, policies!, flag.keep, where({ flags: ctx.flags, state: ctx.state })));
      return { cleanup: 'kept-existing', ...seen };
    }
    const ours = ourKeep(policies);
    if (ours !== undefined) return { cleanup: { keep: ours }, ...seen }; // already there: nothing to ask
    if (!env.prompter.interactive) return { cleanup: 'not-asked', ...seen };
    if (foreign && !(await replaceThem(env, policies!, signal))) return { cleanup: 'kept-existing', ...seen };
    const keep = await offer(env, await imagesNow(ctx, env, signal), signal);
    return { cleanup: keep === undefined ? 'declined' : { keep, ...(foreign ? { replace: true } : {}) }, ...seen };
  },

  async execute(ctx, env, signal) {
    const choice = ctx.state.cleanup;
    if (typeof choice !== 'object') return skipped(ctx, need(ctx.state.repository, 'the repository ID', 'cleanup'), choice);
    return apply(ctx, env, choice, signal);
  },

  // The policy file and gcloud's command; commented out when no policy is set (how to add one).
  commands(ctx) {
    const choice = ctx.state.cleanup ?? flagChoice(ctx.flags);
    const w = where(ctx);
    const wanted = ctx.flags.cleanup;
    const keep = typeof choice === 'object' ? choice.keep : typeof wanted === 'object' ? wanted.keep : DEFAULT_KEEP;
    const set = [`cat > ${POLICY_FILE} <<'EOF'`, ...policyFile(keep).split('\n'), 'EOF', setCommand(w)];
    if (typeof choice === 'object') return set;
    const commented = set.map((l) => `#   ${l}`);
    if (choice === 'kept-existing') {
      const list = `gcloud artifacts repositories list-cleanup-policies ${sh(w.id)} --location=${w.location} --project=${w.project}`;
      return [`# ${w.id} keeps its own cleanup policies; to see them:`, list, `# to replace them with registry-setup's policy instead (${policyWords(keep)}):`, ...commented];
    }
    const why = choice === undefined ? 'a cleanup policy is offered after the push' : 'no cleanup policy was set';
    return [`# ${why}; to add one (${policyWords(keep)}):`, ...commented];
  },

  changes({ flags, state }) {
    const choice = state.cleanup ?? flagChoice(flags);
    if (typeof choice !== 'object' || !state.repository || ourKeep(state.cleanupPolicies) === choice.keep) return [];
    const n = state.cleanupPolicies?.length ?? 0;
    const replacing = choice.replace && n ? ` (replacing its ${n} own ${n === 1 ? 'policy' : 'policies'})` : '';
    return [`sets a cleanup policy on ${state.repository}: ${policyWords(choice.keep)}${replacing}`];
  },

  check: safeCheck(async (ctx: StepContext, env: Env, signal?: AbortSignal) => {
    const { repositoryName: name, cleanup: saved } = ctx.state;
    const flag = ctx.flags.cleanup;
    if (!name || !saved) return { done: false, why: 'no cleanup policy answer yet' };
    if (flag && flag !== 'none' && !(typeof saved === 'object' && saved.keep === flag.keep)) return { done: false, why: `--cleanup keep=${flag.keep} differs from the saved answer` };
    if (typeof saved !== 'object' || flag === 'none') return { done: true, summary: 'none set by registry-setup' };
    const repo = await env.api.getRepository(name, { signal });
    if (!repo) return { done: false, why: `${name} no longer exists` };
    if (ourKeep(repo.cleanupPolicies) !== saved.keep) return { done: false, why: 'the cleanup policy is no longer in place' };
    if (repo.cleanupPolicyDryRun) return { done: false, why: 'the cleanup policy only logs what it would delete (its dry run was turned on)' };
    return { done: true, summary: inShort(saved.keep) };
  }),
};

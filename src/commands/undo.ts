// registry-setup undo: removes what the saved record says registry-setup made for this folder (the
// credHelpers entry it added, the local tags of its push, the cleanup policy it set, with the
// policies it replaced put back, the repository it created) and nothing else. Like the setup: the
// run lock, a plan first, one confirmation in a terminal (--yes never asks), and the record saved
// as each part goes, so an undo killed midway resumes where it stopped.
import type { Command, CommandDeps } from './types.js';
import type { CallOpts, ProgressStore, SavedRun } from '../ports.js';
import type { StepId } from '../steps/types.js';
import { CancelError, UserError, toWizardError } from '../errors.js';
import { RunLocks, folderLockKey } from '../run/locks.js';
import { runKey, savedRun } from '../run/state.js';
import { redact } from '../redact.js';
import { count, holds, lookAtParts, oursLeft, withRepository, type Removal, type RepositoryRemoval, type UndoItem, type UndoPlan } from './undoPlan.js';

type Status = 'done' | 'nothing' | 'cancelled' | 'failed';
type Reported = UndoItem & { already?: true };

/** What the JSON document lists: removed (by this run, or gone already) and left in place. */
interface Report {
  removed: Reported[];
  kept: UndoItem[];
}

/** The saved record, rewritten as each part goes; cleared once nothing registry-setup made is left. */
class UndoRecord {
  constructor(
    private readonly store: ProgressStore,
    private run: SavedRun,
    private readonly now: () => number,
  ) {}

  async forget(r: Removal): Promise<void> {
    const done = this.run.done.filter((id) => !r.undoes.includes(id as StepId));
    this.run = savedRun(r.forget(this.run.state), done, this.now());
    await this.store.save(this.run);
  }

  /** True when the record is gone (a later setup here starts fresh). */
  async finish(): Promise<boolean> {
    if (oursLeft(this.run.state)) return false;
    await this.store.clear();
    return true;
  }
}

const item = ({ kind, name, detail }: UndoItem): UndoItem => ({ kind, name, detail });

const KIND_WORDS: Record<Exclude<UndoItem['kind'], 'docker-entry'>, string> = {
  'local-tag': 'local tag',
  'local-image': 'local image',
  'cleanup-policy': 'cleanup policy',
  repository: 'repository',
};

function label(i: UndoItem): string {
  return i.kind === 'docker-entry' ? i.name : `${KIND_WORDS[i.kind]} ${i.name}`;
}

/** "the credHelpers entry, 2 local tags and repository r" */
function what(list: Removal[]): string {
  const tags = list.filter((r) => r.kind === 'local-tag').length;
  const parts = [
    ...(list.some((r) => r.kind === 'docker-entry') ? ['the credHelpers entry'] : []),
    ...(tags ? [count(tags, 'local tag')] : []),
    ...(list.some((r) => r.kind === 'cleanup-policy') ? [`registry-setup's cleanup policy`] : []),
    ...list.filter((r) => r.kind === 'repository').map((r) => `repository ${r.name}`),
  ];
  return parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : (parts[0] ?? 'nothing');
}

function callOpts(d: CommandDeps): CallOpts {
  return { signal: d.signal, onProgress: (n) => void (n.type !== 'layer' && d.say(`    ${n.text}`)) };
}

async function take(locks: RunLocks, key: string): Promise<void> {
  const err = await locks.take(key);
  if (err) throw err;
}

function section(d: CommandDeps, title: string, items: UndoItem[]): void {
  if (!items.length) return;
  d.say(title);
  for (const i of items) d.say(`  - ${label(i)}: ${i.detail}`);
}

function withHolds(r: RepositoryRemoval): UndoItem {
  return { ...item(r), detail: `${r.detail}; it holds ${holds(r)}` };
}

function keptRepository(r: RepositoryRemoval, why: string): UndoItem {
  return { kind: 'repository', name: r.name, detail: `created by registry-setup, holds ${holds(r)}; ${why}` };
}

/** Without a terminal the flags decide: --delete-repository, or it stays (with how to delete it). */
function decideByFlags(d: CommandDeps, plan: UndoPlan, where: SavedRun['state']): void {
  const r = plan.repository;
  if (!r || d.interactive) return;
  if (d.flags.deleteRepository) return void plan.remove.push(r);
  const how = `registry-setup undo --yes --delete-repository, or gcloud artifacts repositories delete ${r.name} --location=${where.location} --project=${where.project}`;
  plan.kept.push(keptRepository(r, `--delete-repository was not given, so it stays. To delete it: ${how}`));
}

function showPlan(d: CommandDeps, saved: SavedRun, plan: UndoPlan): void {
  const s = saved.state;
  const setup = [s.project && `project ${s.project}`, s.location && `region ${s.location}`, s.repository && `repository ${s.repository}`].filter(Boolean).join(', ');
  d.say(`Undo what registry-setup made for this folder${setup ? ` (${setup})` : ''}:`);
  section(d, 'Will remove:', plan.remove.map((r) => (r.kind === 'repository' ? withHolds(r as RepositoryRemoval) : r)));
  if (plan.repository && d.interactive) {
    section(d, 'Deleted only if you type its name below:', [withHolds(plan.repository)]);
    if (plan.remove.some((r) => r.kind === 'cleanup-policy')) d.say("    (its cleanup policies go with it; kept, it only loses registry-setup's policy)");
  }
  section(d, 'Already gone (the saved record is updated):', plan.gone);
  section(d, 'Left in place:', plan.kept);
}

/** In a terminal, the repository goes only when its name is typed; an empty answer keeps it. */
async function askRepository(d: CommandDeps, plan: UndoPlan): Promise<void> {
  const r = plan.repository;
  if (!r || !d.interactive) return;
  d.say(`Deleting repository ${r.name} deletes the ${holds(r)} in it, for good. Enter alone keeps it.`);
  const typed = await d.env.prompter.input(
    {
      message: `Type ${r.name} to delete it`,
      validate: (v) => (v.trim() === r.name || v.trim() === '' ? true : `Not ${r.name}; Enter alone keeps it.`),
    },
    { signal: d.signal },
  );
  if (typed.trim() === r.name) return void plan.remove.push(r);
  plan.kept.push(keptRepository(r, 'you kept it'));
  d.say(`Repository ${r.name} stays (you kept it).`);
}

/** The one confirmation (a terminal, something to remove); --yes never asks; no terminal needs --yes. */
async function confirm(d: CommandDeps, plan: UndoPlan): Promise<void> {
  if (!plan.remove.length || d.flags.yes) return;
  if (!d.interactive) {
    throw new UserError('undo removes things, and asks first; there is no terminal to ask in.', [
      'Run it in a terminal, or pass --yes (with --delete-repository to delete the repository too).',
    ], { flag: '--yes' });
  }
  // What goes is its own line (it may wrap); the question stays short.
  d.say(`To remove: ${what(plan.remove)}.`);
  if (await d.env.prompter.confirm({ message: plan.remove.length === 1 ? 'Remove it?' : 'Remove them?', default: false }, { signal: d.signal })) return;
  d.say('Nothing was removed.');
  throw new CancelError('declined at the plan');
}

async function removeOne(d: CommandDeps, record: UndoRecord, r: Removal, report: Report): Promise<void> {
  d.say(`Removing ${label(r)}…`);
  const removed = await r.remove(callOpts(d));
  await record.forget(r);
  report.removed.push(removed ? item(r) : { ...item(r), already: true });
  d.say(`  ${removed ? 'removed' : 'already gone'}: ${label(r)}`);
}

async function undoHere(d: CommandDeps, locks: RunLocks, report: Report): Promise<Status> {
  await take(locks, folderLockKey(d.env.files.cwd));
  const saved = await d.store.latest();
  if (!saved) {
    d.say(`Nothing to undo: there is no saved record of registry-setup for this folder (${d.env.files.cwd}); it was undone already, or never set up here.`);
    return 'nothing';
  }
  await take(locks, runKey(saved.state));
  const plan = await lookAtParts(d.env, saved.state, { signal: d.signal });
  decideByFlags(d, plan, saved.state);
  showPlan(d, saved, plan);
  await askRepository(d, plan);
  withRepository(plan);
  report.kept.push(...plan.kept.map(item));
  await confirm(d, plan);
  const record = new UndoRecord(d.store, saved, () => d.env.clock.now());
  for (const r of [...plan.gone, ...plan.disowned]) await record.forget(r);
  report.removed.push(...plan.gone.map((r): Reported => ({ ...item(r), already: true })));
  for (const r of plan.remove) await removeOne(d, record, r, report);
  const cleared = await record.finish();
  sayEnd(d, plan, cleared, saved.state.dockerConfigBackup);
  return plan.remove.length ? 'done' : 'nothing';
}

function sayEnd(d: CommandDeps, plan: UndoPlan, cleared: boolean, backup: string | undefined): void {
  d.say(plan.remove.length ? `Done: removed ${what(plan.remove)}.` : 'Nothing to remove.');
  d.say(
    cleared
      ? 'Nothing registry-setup made is left on record here: the saved record is cleared, and registry-setup here starts fresh.'
      : 'The saved record keeps what registry-setup made and is still there (see "Left in place").',
  );
  if (backup && plan.remove.some((r) => r.kind === 'docker-entry')) d.say(`Your Docker config as it was before registry-setup first changed it is still at ${backup}.`);
}

export const undo: Command = async (d) => {
  const report: Report = { removed: [], kept: [] };
  const locks = new RunLocks(d.lock, folderLockKey(d.env.files.cwd), d.say);
  try {
    const status = await undoHere(d, locks, report);
    if (d.flags.json) d.json({ status, ...report });
    return 0;
  } catch (e) {
    const w = toWizardError(e);
    if (d.flags.json) {
      const fix = w.kind === 'user' || w.kind === 'external' ? w.fix.map(redact) : [];
      d.json({ status: (w.kind === 'cancel' ? 'cancelled' : 'failed') satisfies Status, ...report, error: { message: redact(w.fullMessage), fix } });
    }
    throw w;
  } finally {
    await locks.releaseAll();
  }
};

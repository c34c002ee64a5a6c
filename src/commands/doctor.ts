// registry-setup doctor: re-checks the setup saved for this folder against the drift users hit
// (the Docker entry gone, shadowed or taken over, the helper off PATH, sudo, another region, the
// gcloud login, the repository, registry-setup's cleanup policy, latest's platform). Exit 0 when
// healthy, 1 with findings.
// --fix applies the safe fixes (our credHelpers entry, backed up and replaced atomically), then
// checks again. --json prints one document: {healthy, findings, checked, fixed?}; never a secret.

import type { SavedRun } from '../ports.js';
import { withContext } from '../errors.js';
import { imageRef, parseRepositoryName, registryHost } from '../naming.js';
import { HELPER, mergeCredHelper } from '../steps/docker-auth.js';
import { CHECKS, makeProbe, runCheck } from './checks.js';
import { finding, type Facts, type Finding } from './drifts.js';
import type { Command, CommandDeps } from './types.js';

interface Checked {
  id: string;
  what: string;
  status: 'ok' | 'skipped' | 'problem';
  detail?: string;
}

interface Round {
  findings: Finding[];
  checked: Checked[];
}

function factsOf(d: CommandDeps, run: SavedRun | null): Facts {
  const s = run?.state ?? {};
  const location = parseRepositoryName(s.repositoryName ?? '')?.location ?? s.location ?? '';
  const host = location ? registryHost(location) : (s.registryHost ?? '');
  const cfg = d.env.dockerConfig;
  return {
    cwd: d.env.files.cwd,
    host,
    configPath: cfg.path,
    project: s.project ?? '',
    location,
    repository: s.repository ?? '',
    ref: imageRef(host, s.project ?? '', s.repository ?? '', s.image ?? 'IMAGE'),
    ...(cfg.sudoUser ? { sudoUser: cfg.sudoUser } : {}),
  };
}

/** One round of every check, in parallel, reported in table order. */
async function checkAll(d: CommandDeps, run: SavedRun, facts: Facts): Promise<Round> {
  const probe = makeProbe(d.env, run, facts, d.signal);
  const outcomes = await Promise.all(CHECKS.map((c) => runCheck(c, probe)));
  const round: Round = { findings: [], checked: [] };
  if (!run.done.includes('summary')) round.findings.push(finding('setup-unfinished', facts, { done: run.done }));
  CHECKS.forEach((c, i) => {
    const o = outcomes[i]!;
    if (o.status === 'problem') {
      round.findings.push(...o.findings);
      round.checked.push({ id: c.id, what: c.what(facts), status: 'problem', detail: o.findings.map((f) => f.id).join(', ') });
    } else round.checked.push({ id: c.id, what: c.what(facts), status: o.status, detail: o.detail });
  });
  return round;
}

/** The one safe fix: credHelpers[host] = "gcloud", every other key kept, backed up first, replaced atomically. */
async function restoreEntry(d: CommandDeps, facts: Facts): Promise<string> {
  const cfg = d.env.dockerConfig;
  const w = await withContext(`update ${cfg.path}`, async () => cfg.write(mergeCredHelper(await cfg.read(), facts.host, HELPER)));
  return `credHelpers["${facts.host}"] set to "${HELPER}" in ${cfg.path}${w.backupPath ? ` (backup: ${w.backupPath})` : ''}`;
}

const MARK: Record<Checked['status'], string> = { ok: 'ok  ', skipped: 'skip', problem: 'FAIL' };

function sayRound(d: CommandDeps, round: Round): void {
  for (const c of round.checked) d.say(`  [${MARK[c.status]}] ${c.what}${c.status !== 'problem' && c.detail ? `: ${c.detail}` : ''}`);
}

function sayFindings(d: CommandDeps, findings: Finding[]): void {
  if (!findings.length) {
    d.say('Healthy: nothing to fix.');
    return;
  }
  d.say(`${findings.length === 1 ? '1 problem' : `${findings.length} problems`}:`);
  for (const f of findings) {
    d.say(`  ✗ ${f.message}${f.fixable ? ' [--fix repairs it]' : ''}`);
    for (const line of f.fix) d.say(`    - ${line}`);
  }
  if (findings.some((f) => f.fixable) && !d.flags.fix) d.say('Run registry-setup doctor --fix to apply the safe fixes.');
}

function report(d: CommandDeps, facts: Facts, round: Round, fixed: string[] | undefined): number {
  const healthy = round.findings.length === 0;
  if (d.flags.json) {
    d.json({ healthy, setup: { project: facts.project, location: facts.location, repository: facts.repository, host: facts.host }, findings: round.findings, checked: round.checked, ...(fixed ? { fixed } : {}) });
  } else sayFindings(d, round.findings);
  return healthy ? 0 : 1;
}

export const doctor: Command = async (d) => {
  const run = await d.store.latest();
  const facts = factsOf(d, run);
  if (!run || !run.key) {
    const none = finding('no-record', facts, { storePath: d.store.path });
    if (d.flags.json) d.json({ healthy: false, findings: [none], checked: [] });
    else sayFindings(d, [none]);
    return 1;
  }
  d.say(`Checking the setup saved for this folder: ${facts.project} / ${facts.location} / ${facts.repository}`);
  let round = await checkAll(d, run, facts);
  sayRound(d, round);
  if (!d.flags.fix || !round.findings.some((f) => f.fixable)) return report(d, facts, round, d.flags.fix ? [] : undefined);
  const fixed = [await restoreEntry(d, facts)];
  d.say(`Fixed: ${fixed[0]}`);
  d.say('Checking again:');
  round = await checkAll(d, run, facts);
  sayRound(d, round);
  return report(d, facts, round, fixed);
};

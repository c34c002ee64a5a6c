// Step 6: what now exists, the equivalent commands as a script, the cost facts, and what comes next.

import { EXPLAIN } from './explain.js';
import type { WizardState } from '../ports.js';
import type { Step, StepId } from './types.js';
import { costFacts, humanBytes, nextChapters, storageFact, TAG_FACTS, type Chapter } from '../facts.js';
import { callOpts, imagesWithDigest } from './common.js';
import { takeEarly } from '../run/early.js';
import { registryUrl as makeRegistryUrl } from '../naming.js';
import { DEFAULT_KEEP, UNTAGGED_DAYS, describePolicy, ourKeep } from '../cleanupPolicy.js';

export interface SummaryData {
  project?: string;
  location?: string;
  repositoryName?: string;
  /** HOST/PROJECT/REPOSITORY */
  registryUrl?: string;
  imageUris: string[];
  digest?: string;
  createdRepository?: boolean;
  dockerConfigBackup?: string;
  /** A copyable bash script of the commands equivalent to the whole run. */
  script: string;
  costFacts: string[];
  tagFacts: string[];
  next: Chapter[];
}

const ORDER: StepId[] = ['preflight', 'project', 'region', 'repository', 'docker-auth', 'push', 'cleanup', 'summary'];
const HEADINGS: Record<StepId, string> = {
  preflight: 'check the tools',
  project: 'the project and its Artifact Registry API',
  region: 'the region',
  repository: 'the Docker repository',
  'docker-auth': 'let Docker use your gcloud login for the registry',
  push: 'build, tag and push the first image',
  cleanup: 'a cleanup policy, so old versions do not pile up',
  summary: 'summary',
};

/** The repository's cleanup policy, for the costs: what is set, or how to add one. Undefined before the cleanup step. */
export function cleanupFact(state: Partial<WizardState>): string | undefined {
  const { cleanup, repository, cleanupPolicies } = state;
  if (!cleanup || !repository) return undefined;
  const keep = ourKeep(cleanupPolicies);
  if (keep !== undefined) {
    return `Cleanup policy on ${repository}: the ${keep} most recent versions of each image are always kept, and untagged versions older than ${UNTAGGED_DAYS} days are deleted. Google applies it about once a day.`;
  }
  if (cleanup === 'kept-existing' && cleanupPolicies?.length) {
    return `${repository} has cleanup policies of its own, left as they were: ${cleanupPolicies.map(describePolicy).join('; ')}.`;
  }
  return `No cleanup policy on ${repository}: every version stays, and counts against the storage, until you delete it. To add one, run registry-setup --cleanup keep=${DEFAULT_KEEP}, or the commented cleanup commands in the script above.`;
}

/** Pure: the structured result for the UI and --json. */
export function renderSummary(state: Partial<WizardState>, commandsByStep: Partial<Record<StepId, string[]>>): SummaryData {
  const url =
    state.registryHost && state.project && state.repository ? makeRegistryUrl(state.registryHost, state.project, state.repository) : undefined;
  const lines = [
    '#!/usr/bin/env bash',
    '# What registry-setup did, as plain gcloud and docker commands (chapter 02: Artifact Registry).',
    '# Safe to read; re-running it would try to create things that now exist.',
    'set -euo pipefail',
  ];
  const known = new Set<string>(ORDER);
  const ids = [...ORDER, ...(Object.keys(commandsByStep).filter((k) => !known.has(k)) as StepId[])];
  for (const id of ids) {
    const cmds = commandsByStep[id];
    if (!cmds?.length) continue;
    lines.push('', `# --- ${HEADINGS[id] ?? id} ---`, ...cmds);
  }
  return {
    project: state.project,
    location: state.location,
    repositoryName: state.repositoryName,
    registryUrl: url,
    imageUris: state.imageUris ?? [],
    digest: state.digest,
    createdRepository: state.createdRepository,
    dockerConfigBackup: state.dockerConfigBackup,
    script: lines.join('\n') + '\n',
    costFacts: [
      ...(state.storage && state.repository ? [storageFact(state.repository, state.storage)] : []),
      ...costFacts,
      ...[cleanupFact(state)].filter((f): f is string => !!f),
    ],
    tagFacts: [TAG_FACTS.latest, TAG_FACTS.sha],
    next: nextChapters.map((c) => ({ ...c })),
  };
}

export const summary: Step = {
  id: 'summary',
  title: 'Summary',
  explain: EXPLAIN.summary,
  readOnly: true,

  async check() {
    return { done: false, why: 'the summary is always shown' };
  },

  async execute(ctx, env, signal) {
    // What the repository holds now, to set against the free storage (a listing: milliseconds). Not
    // knowing it never fails the summary.
    let storage: WizardState['storage'];
    if (ctx.state.repositoryName) {
      try {
        ctx.report.activity('listing what the repository holds, for the storage costs');
        const name = ctx.state.repositoryName;
        const { value: images } = await takeEarly(ctx.early, imagesWithDigest(name, ctx.state.digest), () => env.api.listDockerImages(name, callOpts(ctx, signal)));
        storage = { images: images.length, bytes: images.reduce((sum, i) => sum + (i.imageSizeBytes ?? 0), 0) };
      } catch (e) {
        if (signal.aborted) throw e;
        storage = undefined;
      }
    }
    const s = renderSummary({ ...ctx.state, ...(storage ? { storage } : {}) }, {});
    // The registry's address and the digest follow in the summary itself: not repeated here.
    const parts: string[] = [];
    if (s.imageUris.length) parts.push(`${s.imageUris.length} tag${s.imageUris.length > 1 ? 's' : ''} pushed`);
    if (storage) parts.push(`${humanBytes(storage.bytes)} stored`);
    return { state: storage ? { storage } : {}, summary: parts.join(', ') || 'setup finished' };
  },

  // On a re-run (something was pushed before), the listing starts with the other re-checks.
  early(ctx, env) {
    const { repositoryName, digest } = ctx.state;
    if (!ctx.early || !repositoryName || !digest) return;
    ctx.early.start(imagesWithDigest(repositoryName, digest), (signal) => env.api.listDockerImages(repositoryName, { signal }));
  },

  commands() {
    return [];
  },
};

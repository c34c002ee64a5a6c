// What `registry-setup doctor` can find, as data: each drift's words, its fix, and whether
// `--fix` may apply it (only restoring our one credHelpers entry is safe to do unasked).
// The words of failed calls come from the one table (src/steps/failures.ts), not from here.

import { ROLES, grantRoleCommand, memberFor } from '../facts.js';
import { isWizardError } from '../errors.js';
import { POLICY_FILE } from '../cleanupPolicy.js';
import { setCommand } from '../steps/cleanup.js';

/** One thing wrong with the setup, as doctor reports it (and --json prints it). */
export interface Finding {
  id: string;
  message: string;
  fix: string[];
  /** `doctor --fix` can repair it safely. */
  fixable: boolean;
}

/** What every message may name. */
export interface Facts {
  cwd: string;
  host: string;
  configPath: string;
  project: string;
  location: string;
  repository: string;
  /** HOST/PROJECT/REPOSITORY/IMAGE (no tag). */
  ref: string;
  /** Under sudo: the user who ran it. */
  sudoUser?: string;
}

/** What a drift knows beyond the facts, by drift. */
export interface Details {
  'no-record': { storePath: string };
  'setup-unfinished': { done: string[] };
  'entry-missing': { inAuths: boolean; otherHosts: string[] };
  'creds-store-takes-over': { store: string };
  'entry-other-helper': { helper: string };
  'entry-shadowed': Record<string, never>;
  'sudo-root-config': Record<string, never>;
  'docker-needs-sudo': Record<string, never>;
  'region-mismatch': { savedHost: string };
  'account-changed': { saved: string; now?: string };
  'repository-deleted': Record<string, never>;
  'latest-missing': Record<string, never>;
  'latest-platform': { platform: string };
  'cleanup-policy-gone': { missing: string[]; keep: number };
  'cleanup-policy-dry-run': { keep: number };
}

export type DriftId = keyof Details;

interface Drift<K extends DriftId> {
  fixable: boolean;
  say(f: Facts, d: Details[K]): { message: string; fix: string[] };
}

const FIX_ENTRY = 'registry-setup doctor --fix puts it back (only that entry; the file is backed up first)';
const configureDocker = (f: Facts) => `or: gcloud auth configure-docker ${f.host}`;

const DRIFTS: { [K in DriftId]: Drift<K> } = {
  'no-record': {
    fixable: false,
    say: (f, d) => ({
      message: `No registry-setup record for this folder (${f.cwd}) in ${d.storePath}: there is no setup to check.`,
      fix: [
        'Run registry-setup in this folder first; doctor checks what it set up.',
        ...(f.sudoUser ? [`Records are kept per user, and under sudo this is root's. Run registry-setup doctor as ${f.sudoUser}, without sudo.`] : []),
      ],
    }),
  },
  'setup-unfinished': {
    fixable: false,
    say: (_f, d) => ({
      message: `The setup saved for this folder did not finish (done: ${d.done.join(', ') || 'nothing yet'}), so the checks of what it had not done yet are skipped.`,
      fix: ['Run registry-setup again: it resumes where it stopped.'],
    }),
  },
  'entry-missing': {
    fixable: true,
    say: (f, d) => ({
      message:
        `${f.configPath} has no credHelpers entry for ${f.host} (credHelpers["${f.host}"] = "gcloud" is gone), so Docker ` +
        (d.inAuths
          ? `sends the login docker login saved under "auths" for ${f.host} instead, which stops working when its token expires (after about an hour).`
          : `has no login for ${f.host} and pushes are refused.`) +
        (d.otherHosts.length ? ` (Docker has gcloud entries for ${d.otherHosts.join(', ')}: other locations' hosts, while this repository is in ${f.location}.)` : ''),
      fix: [FIX_ENTRY, configureDocker(f)],
    }),
  },
  'creds-store-takes-over': {
    fixable: true,
    say: (f, d) => ({
      message:
        `${f.configPath} lost its credHelpers["${f.host}"] = "gcloud" entry, and its credsStore "${d.store}" answers for that host instead ` +
        `(Docker Desktop puts credsStore back when it rewrites the file): docker-credential-${d.store} has no gcloud login for ${f.host}, so pushes are refused.`,
      fix: [FIX_ENTRY, `credsStore may stay: for ${f.host} the credHelpers entry wins over it.`, configureDocker(f)],
    }),
  },
  'entry-other-helper': {
    fixable: true,
    say: (f, d) => ({
      message: `credHelpers["${f.host}"] in ${f.configPath} is "${d.helper}", not "gcloud": Docker asks docker-credential-${d.helper} for ${f.host}, which does not hand out your gcloud login.`,
      fix: ['registry-setup doctor --fix sets it back to "gcloud" (only that entry; the file is backed up first)', configureDocker(f)],
    }),
  },
  'entry-shadowed': {
    fixable: false,
    say: (f) => ({
      message: `DOCKER_AUTH_CONFIG holds a login for ${f.host}: Docker 28.3 and later use it before ${f.configPath}, so docker-credential-gcloud is not asked for that host.`,
      fix: [`Remove ${f.host} from DOCKER_AUTH_CONFIG in the shell that runs docker, or unset it: unset DOCKER_AUTH_CONFIG`],
    }),
  },
  'sudo-root-config': {
    fixable: false,
    say: (f) => {
      const user = f.sudoUser ?? 'your user';
      return {
        message: `doctor runs through sudo, so the Docker config here is root's (${f.configPath}), and it has no gcloud entry for ${f.host}: sudo docker cannot push there. Docker run by ${user} reads ${user}'s own config.`,
        fix: [
          `Run docker, and registry-setup doctor, as ${user} without sudo. To use Docker without sudo: sudo usermod -aG docker ${user}, then log in again.`,
          `If root is who pushes: sudo gcloud auth configure-docker ${f.host} (root's gcloud login is used then).`,
        ],
      };
    },
  },
  'docker-needs-sudo': {
    fixable: false,
    say: (f) => ({
      message: `The Docker daemon refuses your user (permission denied on its socket), so docker only works with sudo here, and sudo docker reads root's Docker config, not ${f.configPath} where the gcloud entry for ${f.host} is.`,
      fix: ['Let your user use Docker: sudo usermod -aG docker $USER, then log out and back in.'],
    }),
  },
  'region-mismatch': {
    fixable: false,
    say: (f, d) => ({
      message: `The setup pushed to ${d.savedHost}, but repository ${f.repository} is in ${f.location}, whose host is ${f.host}: image names and the Docker entry for ${d.savedHost} point to another region's registry.`,
      fix: [`Push to ${f.ref}:TAG`, `Run registry-setup again with --restart to set this folder up for ${f.location}.`],
    }),
  },
  'account-changed': {
    fixable: false,
    say: (f, d) =>
      d.now
        ? {
            message: `gcloud's active account is ${d.now}, but the setup ran as ${d.saved}: Docker's helper and registry-setup now use ${d.now}'s login, which may not be allowed to push to ${f.repository}.`,
            fix: [`Switch back: gcloud config set account ${d.saved}`, `Or let ${d.now} push: ${grantRoleCommand(f.project, memberFor(d.now), ROLES.push)}`],
          }
        : { message: `gcloud has no active account now; the setup ran as ${d.saved}.`, fix: [`Log in again: gcloud auth login ${d.saved}`] },
  },
  'repository-deleted': {
    fixable: false,
    say: (f) => ({
      message: `Repository ${f.repository} is not in project ${f.project} (${f.location}) any more: it was deleted, and the images it held with it.`,
      fix: ['Run registry-setup again: it creates the repository and pushes the image again.', `Check: gcloud artifacts repositories list --project=${f.project} --location=${f.location}`],
    }),
  },
  'latest-missing': {
    fixable: false,
    say: (f) => ({
      message: `${f.ref}:latest is not in the repository any more (the tag or its image was deleted).`,
      fix: [`Push it again: docker push ${f.ref}:latest (or run registry-setup again).`],
    }),
  },
  'cleanup-policy-gone': {
    fixable: false,
    say: (f, d) => ({
      message: `The cleanup policy registry-setup set on ${f.repository} is not there as it was set (${d.missing.join(', ')} removed or changed): old versions pile up in the repository again.`,
      fix: [...setPolicyAgain(f, d.keep), 'If you changed it on purpose, nothing to do.'],
    }),
  },
  'cleanup-policy-dry-run': {
    fixable: false,
    say: (f, d) => ({
      message: `The cleanup policy on ${f.repository} is in dry run: it only logs what it would delete, and deletes nothing.`,
      fix: setPolicyAgain(f, d.keep),
    }),
  },
  'latest-platform': {
    fixable: false,
    say: (f, d) => ({
      message: `${f.ref}:latest is built for ${d.platform}; Cloud Run and most cloud machines run linux/amd64, where it will not start.`,
      fix: [`Rebuild and push it: docker build --platform linux/amd64 -t ${f.ref}:latest . && docker push ${f.ref}:latest`, 'Or run registry-setup again: it offers to rebuild the image for linux/amd64.'],
    }),
  },
};

/** How to set registry-setup's policy again: a re-run of the setup, or gcloud's command with the script's policy file. */
function setPolicyAgain(f: Facts, keep: number): string[] {
  return [
    `Set it again: registry-setup --cleanup keep=${keep} (in this folder)`,
    `Or with gcloud, with the policy file from the setup's script (${POLICY_FILE}): ${setCommand({ project: f.project, location: f.location, id: f.repository })}`,
  ];
}

export function finding<K extends DriftId>(id: K, facts: Facts, details: Details[K]): Finding {
  const d = DRIFTS[id] as Drift<K>;
  return { id, ...d.say(facts, details), fixable: d.fixable };
}

/** A finding whose words are an error's (already explained by the failures table or the adapter). */
export function errorFinding(id: string, e: unknown): Finding {
  if (!isWizardError(e)) return { id, message: String(e), fix: [], fixable: false };
  return { id, message: e.fullMessage, fix: 'fix' in e ? [...e.fix] : [], fixable: false };
}

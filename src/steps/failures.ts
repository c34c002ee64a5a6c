// What the user sees when an outside call fails. The adapters say why (ExternalError.details.reason,
// a FailureReason); this one table turns each reason, with what the step was doing, into a UserError
// with its fix, or leaves the ExternalError as it is. Steps call explainFailure and never read error text.

import type { Env } from '../ports.js';
import { ExternalError, UserError, type FailureReason } from '../errors.js';
import { ARTIFACT_REGISTRY_SERVICE, ROLES, billingUrl, grantRoleCommand, memberFor } from '../facts.js';

/** What the step was doing when the call failed: the words of the user's error come from it. */
export interface FailureContext {
  project: string;
  /** The role that grants what was being done ("roles/artifactregistry.admin"). */
  role: string;
  /** What was being done, for "… may not create repositories in project P". */
  doing: string;
  /** The gcloud account, for the grant command; explainFailure looks it up when the error names it. */
  account?: string;
  /** docker push: the registry host, the repository ID, and the ref being pushed. */
  host?: string;
  repo?: string;
  ref?: string;
  /** A way to go on without what was refused ("run again with --cleanup none"), offered after the grant. */
  alternative?: string;
}

/** The reason an adapter gave the failure; undefined for anything else. */
export function failureReason(e: unknown): FailureReason | undefined {
  return e instanceof ExternalError ? e.details.reason : undefined;
}

/** The active gcloud account, for messages and grant commands; undefined when gcloud cannot tell. */
export async function gcloudAccount(env: Pick<Env, 'gcloud'>): Promise<string | undefined> {
  try {
    return (await env.gcloud.config()).account;
  } catch {
    return undefined;
  }
}

/** The last line of what the failed command said, to quote in a message. */
function lastLine(e: ExternalError): string {
  const lines = `${e.message}\n${e.details.stderrTail ?? ''}`.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.at(-1)?.slice(0, 200) ?? 'no details';
}

type Entry = (e: ExternalError, c: FailureContext) => UserError | ExternalError;

/** The user's error for `e`: what happened, and what to do about it. */
function toUser(e: ExternalError, message: string, fixes: string[]): UserError {
  return new UserError(message, fixes, { cause: e });
}

const hostOf = (c: FailureContext): string => c.host ?? 'the registry';
const repoOf = (c: FailureContext): string => c.repo ?? 'the repository';

/** The adapter's error already says all there is (and carries any fix only the adapter knows). */
const asIs: Entry = (e) => e;

const permissionDenied: Entry = (e, c) => {
  const perm = e.details.metadata?.permission;
  const who = c.account ?? 'your gcloud account';
  return toUser(e, `${who} may not ${c.doing} in project ${c.project}${perm ? ` (missing permission ${perm})` : ''}. That needs the role ${c.role}.`, [
    `Ask a project owner to grant it: ${grantRoleCommand(c.project, memberFor(c.account), c.role)}`,
    'Or check that you are logged in with the right account: gcloud auth list',
    ...(c.alternative ? [c.alternative] : []),
  ]);
};

const dockerCredentials: Entry = (e, c) => {
  const host = hostOf(c);
  return toUser(e, `Docker could not log in to ${host}: the registry refused the push (${lastLine(e)}).`, [
    `Docker gets the login from docker-credential-gcloud; check it is on the PATH Docker uses: echo ${host} | docker-credential-gcloud get >/dev/null && echo ok`,
    `Check your Docker config has "credHelpers": {"${host}": "gcloud"}, or run: gcloud auth configure-docker ${host}`,
    'If your gcloud login expired: gcloud auth login. Then run registry-setup again (progress is saved).',
  ]);
};

const tagImmutable: Entry = (e, c) => {
  const tag = c.ref ? c.ref.slice(c.ref.lastIndexOf(':') + 1) : 'the tag';
  return toUser(e, `Repository ${repoOf(c)} has immutable tags, so ${tag} cannot be moved to a new image.`, [
    'Push under another image name: --image NAME',
    `Or turn off "Immutable image tags" on ${repoOf(c)} in the Cloud console, then run registry-setup again.`,
  ]);
};

/** Every reason has its row: a new reason does not compile until it is worded here. */
const TABLE: Record<FailureReason, Entry> = {
  SERVICE_DISABLED: (e, c) =>
    toUser(e, `The Artifact Registry API is not enabled in project ${c.project}.`, [
      `Enable it: gcloud services enable ${ARTIFACT_REGISTRY_SERVICE} --project=${c.project}`,
      'Or run registry-setup again and let it enable the API for you.',
    ]),
  BILLING_DISABLED: (e, c) =>
    toUser(
      e,
      `Billing is not enabled for project ${c.project}. Artifact Registry needs a billing account linked to the project (the first 0.5 GB a month is still free).`,
      [`Link a billing account: ${billingUrl(c.project)}`, 'Then run registry-setup again; your progress is saved.'],
    ),
  PERMISSION_DENIED: permissionDenied,
  UNAUTHENTICATED: (e) =>
    toUser(e, 'Google did not accept your gcloud login (it may have expired).', ['Log in again: gcloud auth login', 'Then run registry-setup again; your progress is saved.']),
  NOT_FOUND: asIs,
  ALREADY_EXISTS: asIs,
  INVALID_REQUEST: asIs,
  UNAVAILABLE: asIs,
  UNREACHABLE: asIs,
  GCLOUD_NO_CREDENTIAL: asIs,
  HELPER_MISSING: (e, c) =>
    toUser(e, `Docker could not run docker-credential-gcloud, the program that hands it your gcloud login for ${hostOf(c)}: it is not on the PATH Docker uses.`, [
      'Add the Google Cloud CLI bin folder (e.g. ~/google-cloud-sdk/bin) to PATH for Docker, or run: gcloud components install docker-credential-gcloud',
      `Fallback without the helper: gcloud auth print-access-token | docker login -u oauth2accesstoken --password-stdin ${hostOf(c)}`,
    ]),
  PUSH_NO_CREDENTIALS: dockerCredentials,
  HELPER_FAILED: dockerCredentials,
  PUSH_UNAUTHORIZED: dockerCredentials,
  PUSH_DENIED: (e, c) =>
    toUser(e, `The registry denied the push to ${repoOf(c)} (${lastLine(e)}): either your account lacks permission to push, or the repository does not exist.`, [
      `Pushing needs ${ROLES.push}: ${grantRoleCommand(c.project, memberFor(c.account), ROLES.push)}`,
      `Check the repository exists: gcloud artifacts repositories list --project=${c.project}`,
    ]),
  TAG_IMMUTABLE: tagImmutable,
  PUSH_CONNECTION: asIs,
  NO_SUCH_IMAGE: asIs,
  NO_ALL_TAGS: asIs,
  IMAGE_IN_USE: (e, c) => {
    const ref = c.ref ?? 'the tag';
    return toUser(e, `Docker will not remove ${ref}: it is the last name of an image that a container uses.`, [
      `Remove that container first (find it with: docker ps -a --filter ancestor=${ref}), or give the image another name (docker tag ${ref} NAME).`,
      'Then run registry-setup undo again; what it removed already stays removed.',
    ]);
  },
};

/** Reasons whose user error names the gcloud account (in the grant command). */
const NAMES_ACCOUNT: ReadonlySet<FailureReason> = new Set<FailureReason>(['PERMISSION_DENIED', 'PUSH_DENIED']);

/** The table alone: what the user sees for `e`, given everything about the context (the account too). */
export function failureToUser(e: unknown, c: FailureContext): unknown {
  if (!(e instanceof ExternalError) || !e.details.reason) return e;
  return TABLE[e.details.reason](e, c);
}

/**
 * What the user sees for a failed call: a UserError with its fix when the reason is something the
 * user can act on, otherwise the error as it is (cancels, bugs and unclassified failures too).
 * Asks gcloud for the account only when the error names it.
 */
export async function explainFailure(e: unknown, env: Pick<Env, 'gcloud'>, c: FailureContext): Promise<unknown> {
  const reason = failureReason(e);
  if (!reason) return e;
  const account = c.account ?? (NAMES_ACCOUNT.has(reason) ? await gcloudAccount(env) : undefined);
  return failureToUser(e, { ...c, account });
}

/** Run one outside call; a failure comes out explained (explainFailure). */
export async function explained<T>(env: Pick<Env, 'gcloud'>, c: FailureContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw await explainFailure(e, env, c);
  }
}

/** The helper, asked directly, gave no credential: the reason a push was refused, in its words. */
export function helperGaveNoCredential(host: string, message: string | undefined): UserError {
  return new UserError(
    `docker-credential-gcloud gave no credential for ${host}${message ? ` (${message.split('\n')[0]})` : ''}.`,
    ['Check that gcloud is logged in: gcloud auth list (log in with gcloud auth login)', 'Then run registry-setup again; your progress is saved.'],
  );
}

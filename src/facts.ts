// The guide's facts for chapter 02, in our own words. One place, so the UI, the summary
// and --json all say the same thing.

export const ARTIFACT_REGISTRY_SERVICE = 'artifactregistry.googleapis.com';

/** The location the guide uses in its examples. */
export const GUIDE_DEFAULT_LOCATION = 'southamerica-east1';

/** Artifact Registry's multi-region locations: each spans many regions, while a Cloud Run service runs in one. */
export const MULTI_REGIONS: readonly string[] = ['us', 'europe', 'asia'];

export const ROLES = {
  /** Needed to create a repository. */
  create: 'roles/artifactregistry.admin',
  /** Needed to delete a repository (artifactregistry.repositories.delete). */
  delete: 'roles/artifactregistry.admin',
  /** Needed to push images. */
  push: 'roles/artifactregistry.writer',
  /** Needed to enable an API on the project. */
  enableService: 'roles/serviceusage.serviceUsageAdmin',
} as const;

export const COST = {
  freeStorageGbPerMonth: 0.5,
  pricePerGbMonthUsd: 0.1,
  typicalDjangoImageMb: [200, 300] as const,
} as const;

export const costFacts: string[] = [
  `Storage: the first ${COST.freeStorageGbPerMonth} GB each month costs nothing (the free allowance is per billing account); beyond that you pay about $${COST.pricePerGbMonthUsd.toFixed(2)} per GB per month.`,
  `A Django image is usually ${COST.typicalDjangoImageMb[0]}–${COST.typicalDjangoImageMb[1]} MB, so a few pushed versions fit in the free allowance; old versions add up until something deletes them: you, or a cleanup policy (below).`,
  'When Cloud Run pulls an image from a repository in its own region, that traffic costs nothing, which is why the repository should live where your service will run.',
];

export const TAG_FACTS = {
  latest: 'latest: moves to whatever you pushed most recently.',
  sha: 'the git short sha (e.g. a3f9c12): one fixed tag per commit, so you can roll back to an exact version.',
} as const;

export interface Chapter {
  number: string;
  title: string;
  /** One line: what it adds, in our words. */
  what: string;
}

export const nextChapters: Chapter[] = [
  { number: '03', title: 'Cloud SQL (PostgreSQL)', what: 'a managed PostgreSQL database for Django.' },
  { number: '04', title: 'Secret Manager', what: 'keep the database password and Django secret key out of your code.' },
  { number: '05', title: 'Cloud Storage', what: 'a bucket for media uploads and static files.' },
  { number: '06', title: 'Dockerfile', what: 'package the Django app as the image you will push to this repository.' },
  { number: '07', title: 'First Deploy', what: 'run that image on Cloud Run, pulled from this repository.' },
];

export function billingUrl(project: string): string {
  return `https://console.cloud.google.com/billing/linkedaccount?project=${encodeURIComponent(project)}`;
}

export function grantRoleCommand(project: string, member: string, role: string): string {
  return `gcloud projects add-iam-policy-binding ${project} --member=${member} --role=${role}`;
}

/** IAM member for a gcloud account: user:… or serviceAccount:… */
export function memberFor(account: string | undefined): string {
  if (!account) return 'user:YOUR_EMAIL';
  return account.endsWith('.gserviceaccount.com') ? `serviceAccount:${account}` : `user:${account}`;
}

/** "528 B", "12.3 KB", "245.1 MB", "1.20 GB" (powers of 1000, as the console shows sizes). */
export function humanBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} KB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}

/** What the repository holds now, against the monthly free storage (one line for the summary's costs). */
export function storageFact(repository: string, storage: { images: number; bytes: number }): string {
  const free = COST.freeStorageGbPerMonth * 1e9;
  const share = storage.bytes / free;
  const pct = share === 0 ? '0%' : share < 0.001 ? 'well under 0.1%' : `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;
  const what = `${storage.images} image${storage.images === 1 ? '' : 's'}, about ${humanBytes(storage.bytes)} in all`;
  return share <= 1
    ? `Right now ${repository} holds ${what}: ${pct} of the ${COST.freeStorageGbPerMonth} GB free each month (shared by every repository on the billing account).`
    : `Right now ${repository} holds ${what}: more than the ${COST.freeStorageGbPerMonth} GB free each month, so about $${(((storage.bytes - free) / 1e9) * COST.pricePerGbMonthUsd).toFixed(2)} a month; deleting old versions brings it down.`;
}

/** The operating systems we name install pages for (Node's process.platform values). */
export type Platform = 'linux' | 'darwin' | 'win32';

/** Where to install each tool, per operating system; `other` when we cannot tell. */
export const INSTALL_PAGES = {
  gcloud: {
    // One page, with a section for each system.
    linux: 'https://cloud.google.com/sdk/docs/install',
    darwin: 'https://cloud.google.com/sdk/docs/install',
    win32: 'https://cloud.google.com/sdk/docs/install',
    other: 'https://cloud.google.com/sdk/docs/install',
  },
  docker: {
    linux: 'https://docs.docker.com/engine/install/',
    darwin: 'https://docs.docker.com/desktop/setup/install/mac-install/',
    win32: 'https://docs.docker.com/desktop/setup/install/windows-install/',
    other: 'https://docs.docker.com/get-started/get-docker/',
  },
} as const;

const SYSTEM_NAMES: Record<Platform, string> = { linux: 'Linux', darwin: 'macOS', win32: 'Windows' };

function knownPlatform(platform: string | undefined): Platform | undefined {
  return platform === 'linux' || platform === 'darwin' || platform === 'win32' ? platform : undefined;
}

/** "Install the Google Cloud CLI for Linux: https://…": the tool's page for this system. */
export function installFix(tool: keyof typeof INSTALL_PAGES, platform: string | undefined): string {
  const p = knownPlatform(platform);
  const what = tool === 'gcloud' ? 'the Google Cloud CLI' : p === 'linux' ? 'Docker Engine' : p ? 'Docker Desktop' : 'Docker';
  const cmd = tool === 'gcloud' ? 'gcloud' : 'docker';
  return `Install ${what}${p ? ` for ${SYSTEM_NAMES[p]}` : ''} (${INSTALL_PAGES[tool][p ?? 'other']}), make sure \`${cmd}\` is on your PATH, then run registry-setup again.`;
}

/**
 * What chapter 01 (project setup) has you run before this chapter, with PROJECT_ID as a
 * placeholder: a project, gcloud's default project, and a billing account linked to it.
 */
export const PROJECT_SETUP = {
  create: 'gcloud projects create PROJECT_ID',
  setDefault: 'gcloud config set project PROJECT_ID',
  linkBilling: 'gcloud billing projects link PROJECT_ID --billing-account=BILLING_ACCOUNT_ID',
} as const;

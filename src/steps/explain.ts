// What each step is and why, in our own words: shown with the step, and in the plan of a dry run.
import type { StepId } from './types.js';

export const EXPLAIN: Record<StepId, string> = {
  preflight:
    'Before changing anything, we make sure the tools this chapter relies on are ready: the gcloud CLI with a logged-in account, Docker with a running daemon, and the small helper program that lets Docker borrow your gcloud login. Problems found now are much easier to fix than a push that fails at the end.',
  project:
    'Everything in Google Cloud lives inside a project, which also carries the billing. The repository will belong to the project you pick here. We also make sure the Artifact Registry API is switched on for it, because each Google Cloud service has to be enabled per project before you can use it.',
  region:
    'A repository lives in one region, and its address includes that region (REGION-docker.pkg.dev). Put it in the same region where Cloud Run will run your app: pulling images within one region costs nothing and is fastest. Pick a region close to your users; the guide uses southamerica-east1 (São Paulo).',
  repository:
    'A repository is a named, private shelf for images inside your project, in one region. It must be Docker-format to hold container images. We check whether it is already there and reuse it if so; otherwise we create it. Your images will then be addressed as REGION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE.',
  'docker-auth':
    'Docker needs to prove who you are when it pushes to Artifact Registry. Instead of storing a password, we add one line to your Docker config saying "for this registry host, ask gcloud": Docker then runs docker-credential-gcloud, which hands over a short-lived token from your gcloud login. Everything else in your Docker config stays as it is, and the file is backed up first.',
  push:
    'Now we prove the whole path works by pushing a real image, named REGION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE. It gets two tags: latest, which always moves to the newest push, and the short git commit id, which never moves and lets you roll back to an exact version. Afterwards we ask the Artifact Registry API to confirm it holds the image with both tags.',
  cleanup:
    'Every push adds a version, and old versions stay and count against your storage (only the first 0.5 GB a month is free) until someone deletes them. A cleanup policy has Google tidy up for you, about once a day: ours keeps the most recent versions of each image (10 unless you pick another number) and deletes untagged versions once they are older than 30 days. A Keep rule always wins, so a version it protects is never deleted; a repository can hold at most 10 policies. Policies the repository already has are shown and left alone unless you choose to replace them (with --yes or without a terminal, they always stay).',
  summary:
    'Here is what now exists in your project and how to refer to it. The plain gcloud and docker commands below do the same as this run, which is handy for scripts or for the next person. Last come the costs to keep in mind and where the guide goes next.',
};

/** Each step's short name in the transcript ("✓ Region      southamerica-east1"). */
export const LABEL: Record<StepId, string> = {
  preflight: 'Tools',
  project: 'Project',
  region: 'Region',
  repository: 'Repository',
  'docker-auth': 'Docker auth',
  push: 'Push',
  cleanup: 'Cleanup',
  summary: 'Summary',
};

/** What a newcomer keeps on screen under a finished step, the first time: the chapter's facts, briefly. */
export const TEACH: Record<StepId, string> = {
  preflight: 'gcloud holds your Google login, Docker builds and pushes images, and docker-credential-gcloud lets Docker borrow the gcloud login.',
  project: 'The repository belongs to this project, which also pays for it. Google APIs are switched on per project, Artifact Registry included.',
  region: 'The region is part of the registry address. Run Cloud Run in this same region: pulling images within one region costs nothing.',
  repository: 'A private, Docker-format shelf for images in one project and region. Images in it are named HOST/PROJECT/REPOSITORY/IMAGE:TAG.',
  'docker-auth': 'One credHelpers entry in your Docker config sends this registry to docker-credential-gcloud, which hands Docker a short-lived token from gcloud: no password is stored.',
  push: '"latest" moves to every new push; the git sha tag never moves, so a deploy can name an exact version and roll back to it.',
  cleanup: 'Old versions count against the free 0.5 GB a month. Google applies the policy about once a day; a version a Keep rule protects is never deleted.',
  summary: 'Below: what exists now, the same setup as a script to keep, and what it costs (the first 0.5 GB stored each month is free).',
};

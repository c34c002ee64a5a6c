// The narrow interfaces (ports) that steps depend on. Real implementations live in
// src/adapters/ (one file per outside system); tests use strict fakes (test/fakes.ts).
// Nothing here may touch process.*, global execa or new Conf(): adapters get what they
// need (env, cwd, streams) injected by src/cli.tsx.

// ---------- gcloud (the user's real gcloud CLI) ----------

export interface GcloudConfig {
  /** Active account, or undefined when unset. */
  account?: string;
  /** core/project (CLOUDSDK_CORE_PROJECT wins, as gcloud does). */
  project?: string;
  /** artifacts/location property. */
  artifactsLocation?: string;
  /** run/region property. */
  runRegion?: string;
  /** api_endpoint_overrides/artifactregistry, e.g. "http://127.0.0.1:8080/"; undefined = Google's. */
  artifactRegistryEndpoint?: string;
  /** Name of the active configuration (for messages). */
  configurationName?: string;
}

export interface GcloudProject {
  projectId: string;
  name?: string;
  projectNumber?: string;
}

export interface GcloudPort {
  /** "Google Cloud SDK X.Y.Z" (from the SDK's VERSION file, else `gcloud --version`), or null when gcloud is not installed. */
  version(): Promise<string | null>;
  /**
   * Reads gcloud's configuration once, honouring CLOUDSDK_*: one `gcloud config config-helper`
   * process answers this and the first accessToken() (`gcloud config list` when no one is logged in).
   */
  config(): Promise<GcloudConfig>;
  /** The access token (from the config-helper process). Cached; `refresh` forces a new one (`gcloud auth print-access-token`). Never logged. */
  accessToken(opts?: { refresh?: boolean }): Promise<string>;
  /** `gcloud projects list --format=json` (cached per run). */
  listProjects(opts?: CallOpts): Promise<GcloudProject[]>;
  /** `gcloud services enable SERVICE --project P` (waits for the operation). */
  enableService(project: string, service: string, opts?: CallOpts): Promise<void>;
  /**
   * `gcloud auth login` on the user's terminal (it opens a browser and may ask for a code), then
   * forgets what gcloud said before: the config, token and projects are asked again. Only while the
   * terminal is handed over to a step's questions.
   */
  login(opts?: CallOpts): Promise<void>;
}

// ---------- Artifact Registry API (in process, @google-cloud/artifact-registry) ----------

export type RepositoryFormat = 'DOCKER' | 'MAVEN' | 'NPM' | 'PYTHON' | 'APT' | 'YUM' | 'GO' | 'KFP' | 'GENERIC' | string;

export interface Repository {
  /** projects/P/locations/L/repositories/R */
  name: string;
  format: RepositoryFormat;
  mode?: string;
  sizeBytes?: number;
  createTime?: string;
  /** dockerConfig.immutableTags */
  immutableTags?: boolean;
  /** Its cleanup policies, sorted by id (the API's map, as a list); [] when it has none. */
  cleanupPolicies?: CleanupPolicy[];
  /** The policies only report what they would delete (dry run). */
  cleanupPolicyDryRun?: boolean;
}

/** One of a repository's cleanup policies, as the v1 API has it (durations in seconds, "2592000s"). */
export interface CleanupPolicy {
  id: string;
  /** KEEP or DELETE (anything else the API may add is kept as it came). */
  action: 'KEEP' | 'DELETE' | (string & {});
  condition?: {
    tagState?: 'TAGGED' | 'UNTAGGED' | 'ANY';
    tagPrefixes?: string[];
    versionNamePrefixes?: string[];
    packageNamePrefixes?: string[];
    olderThan?: string;
    newerThan?: string;
  };
  mostRecentVersions?: { packageNamePrefixes?: string[]; keepCount?: number };
}

export interface DockerImage {
  name: string;
  uri: string; // L-docker.pkg.dev/P/R/IMAGE@sha256:…
  tags: string[];
  imageSizeBytes?: number;
  uploadTime?: string;
  mediaType?: string;
}

/** Options every outside call takes: cancellation, and a place to report progress (retries, lines). */
export interface CallOpts {
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  /** Early work nobody waits for yet (Step.early): its processes run at a lower CPU priority. */
  background?: boolean;
}

/** Progress notes an adapter can send while it works (shown in the live panel). */
export type ProgressFn = (note: ProgressNote) => void;
export type ProgressNote =
  | { type: 'call'; text: string } // "artifactregistry.repositories.create …"
  | { type: 'line'; text: string } // a line of output
  | { type: 'retry'; text: string; attempt: number; of: number; delayMs: number }
  | { type: 'layer'; id: string; status: string };

export interface ArtifactRegistryPort {
  /** Location IDs the API offers for the project (e.g. ["us-central1", …]). */
  listLocations(project: string, opts?: CallOpts): Promise<string[]>;
  /** The repository, or null when it does not exist (NOT_FOUND). */
  getRepository(name: string, opts?: CallOpts): Promise<Repository | null>;
  /** Creates a DOCKER repository; waits for the long-running operation, reporting polls. */
  createRepository(args: { project: string; location: string; repositoryId: string; description?: string }, opts?: CallOpts): Promise<Repository>;
  /**
   * Deletes the repository and every image in it; waits for the long-running operation, reporting polls.
   * Resolves true when this call deleted it, false when it was not there.
   */
  deleteRepository(name: string, opts?: CallOpts): Promise<boolean>;
  /** Docker images in the repository (all pages). */
  listDockerImages(repositoryName: string, opts?: CallOpts): Promise<DockerImage[]>;
  /**
   * Replaces the repository's cleanup policies with `policies` (an empty list removes them all) and
   * sets the dry run (true: the policies only log what they would delete), in one patch with an update
   * mask: nothing else of the repository changes. Resolves with the repository as updated.
   */
  setCleanupPolicies(repositoryName: string, policies: CleanupPolicy[], dryRun: boolean, opts?: CallOpts): Promise<Repository>;
  /** Loads the client ahead of the first call (early work; never rejects, sends nothing). */
  preload?(): Promise<void>;
}

// ---------- Docker (the user's real Docker CLI and daemon) ----------

export interface DockerInfo {
  /** CLI version, or null when the docker CLI is not installed. */
  clientVersion: string | null;
  /** Server version when the daemon answered. */
  serverVersion?: string;
  /** Why the daemon did not answer, when it did not. */
  daemonProblem?: 'not-running' | 'permission-denied' | 'docker-host' | 'other';
  daemonMessage?: string;
  /** Absolute path of the docker binary, when found (to detect snap installs). */
  path?: string;
}

export interface LocalImage {
  ref: string; // repo:tag
  id: string;
  os?: string;
  architecture?: string;
  sizeBytes?: number;
}

export interface PushResult {
  /** sha256:… as Docker reported it. */
  digest: string;
  size?: number;
}

export interface DockerPort {
  info(opts?: CallOpts): Promise<DockerInfo>;
  /** Local images with a repository and tag (no dangling ones). */
  listImages(opts?: CallOpts): Promise<LocalImage[]>;
  inspectImage(ref: string, opts?: CallOpts): Promise<LocalImage | null>;
  /** `docker build -t TAG [--platform P] [--no-cache] CONTEXT`. */
  build(
    args: {
      context: string;
      tag: string;
      platform?: string;
      /** --no-cache: the legacy builder's cache ignores --platform, so a rebuild for another platform needs it. */
      noCache?: boolean;
    },
    opts?: CallOpts,
  ): Promise<void>;
  tag(source: string, target: string, opts?: CallOpts): Promise<void>;
  /**
   * `docker load --quiet` with `archive` (a docker-archive tar, see src/sampleImage.ts) on stdin.
   * The image gets the RepoTags the archive names. Unlike `docker build`, asks no credential helper.
   */
  load(archive: Uint8Array, opts?: CallOpts): Promise<void>;
  /** `docker push REF`, streaming per-layer notes; resolves with the digest Docker printed. */
  push(ref: string, opts?: CallOpts): Promise<PushResult>;
  /**
   * `docker image rm --no-prune REF` for a tag: removes that name only (the image stays while it has
   * other names). Resolves false when there is no such tag. A tag that is the last name of an image a
   * container uses fails with reason IMAGE_IN_USE.
   */
  untag(ref: string, opts?: CallOpts): Promise<boolean>;
  /** Tags of the local images called `repository` (`docker image ls REPOSITORY`), e.g. ["latest", "a3f9c12"]. */
  localTags(repository: string, opts?: CallOpts): Promise<string[]>;
  /**
   * `docker push --all-tags REPOSITORY`: every local tag of that name in one process, so Docker asks
   * the credential helper once; resolves with the digest Docker printed for each tag. A Docker too
   * old for the flag fails with reason NO_ALL_TAGS.
   */
  pushAllTags(repository: string, opts?: CallOpts): Promise<Record<string, PushResult>>;
  /**
   * Asks the credential helper for HOST the way Docker will (`docker-credential-NAME get`, host on stdin).
   * Returns only whether a credential came back and the username; the secret is never returned.
   */
  helperCredential(helper: string, host: string, opts?: CallOpts): Promise<{ ok: boolean; username?: string; message?: string }>;
  /** Absolute path of `docker-credential-NAME` on the PATH Docker uses, or null. */
  findHelper(helper: string): Promise<string | null>;
}

// ---------- The user's Docker config file ($DOCKER_CONFIG/config.json or ~/.docker/config.json) ----------

export interface DockerConfigFile {
  /** Directory holding config.json (DOCKER_CONFIG honoured). */
  dir: string;
  path: string;
  /** Parsed JSON, {} when the file does not exist. Malformed JSON → UserError naming path and position. */
  read(): Promise<Record<string, unknown>>;
  /**
   * Replace the file atomically (temp file + rename, mode kept or 0600), backing up the
   * original once (config.json.registry-setup.bak) before the first change. Creates the dir (0700).
   */
  write(next: Record<string, unknown>): Promise<{ backupPath?: string }>;
  /**
   * Set when registry-setup runs through sudo (SUDO_USER names someone else): the config changed
   * here is root's, not that user's. Shown as a warning by the preflight step.
   */
  sudoWarning?: string;
  /** Under sudo: the user who ran it (SUDO_USER), whose own Docker config this is not. */
  sudoUser?: string;
  /**
   * Hosts DOCKER_AUTH_CONFIG holds a login for (never the login itself): Docker CLI 28.3 and later
   * use it before config.json, so it shadows a credHelpers entry for the same host.
   */
  envAuthHosts?: string[];
}

// ---------- git ----------

export interface GitPort {
  /** Short sha of HEAD in cwd, or null when not in a git repository / no commits. */
  shortSha(opts?: CallOpts): Promise<string | null>;
  isRepo(opts?: CallOpts): Promise<boolean>;
}

// ---------- Local files of the user's project ----------

export interface ProjectFiles {
  /** The folder the wizard runs in. */
  cwd: string;
  exists(relPath: string): Promise<boolean>;
}

// ---------- Saved progress (conf) ----------

export interface SavedRun {
  version: 1;
  /** "PROJECT/LOCATION/REPOSITORY" or "" before those are known. */
  key: string;
  updatedAt: string;
  /** Step ids that finished. */
  done: string[];
  /** Answers and results so far (never secrets). */
  state: Partial<WizardState>;
}

export interface ProgressStore {
  /** Where it lives (for messages). */
  path: string;
  /** The saved run for this working folder (finished or not: check `done`), if any. */
  latest(): Promise<SavedRun | null>;
  save(run: SavedRun): Promise<void>;
  clear(): Promise<void>;
  /** Set when the store had to start fresh (e.g. a corrupted file was set aside); show it once. */
  notice?: string;
}

// ---------- One wizard at a time (per working folder, per project/location/repository) ----------

export interface RunLockHandle {
  /** Give the lock back (idempotent; never throws for a lock file someone removed). */
  release(): Promise<void>;
  /** Set when a stale lock (its process is gone) was taken over: show it once. */
  notice?: string;
}

export interface RunLock {
  /** Where the lock files live (for messages). */
  dir: string;
  /**
   * Take the lock for `key` ("P/L/R", or "the folder /x"). Throws a UserError naming the holder
   * (pid, start time, host) when another live registry-setup holds it; a lock left by a process
   * that is gone is taken over (with a notice).
   */
  acquire(key: string): Promise<RunLockHandle>;
}

// ---------- Prompts (@inquirer/prompts with injected streams) ----------

export interface Choice<T> {
  value: T;
  name: string;
  description?: string;
  /** What the answered question's line shows (default: name). */
  short?: string;
}

export interface Prompter {
  /** Whether prompting is possible (TTY and not --yes). Steps check this before asking. */
  readonly interactive: boolean;
  select<T>(q: { message: string; choices: Choice<T>[]; default?: T }, opts?: CallOpts): Promise<T>;
  /** Type-to-filter picker over many choices. */
  search<T>(q: { message: string; choices: Choice<T>[]; default?: T }, opts?: CallOpts): Promise<T>;
  input(q: { message: string; default?: string; validate?: (v: string) => true | string }, opts?: CallOpts): Promise<string>;
  confirm(q: { message: string; default?: boolean }, opts?: CallOpts): Promise<boolean>;
}

// ---------- Time ----------

export interface Clock {
  now(): number;
  sleep(ms: number, opts?: CallOpts): Promise<void>;
  /** Random in [0,1) for jitter; injectable for tests. */
  random(): number;
}

// ---------- Everything a step may use ----------

export interface Env {
  gcloud: GcloudPort;
  api: ArtifactRegistryPort;
  docker: DockerPort;
  dockerConfig: DockerConfigFile;
  git: GitPort;
  files: ProjectFiles;
  prompter: Prompter;
  clock: Clock;
  /** Whether we run as root (uid 0), for the sudo warning. */
  isRoot: boolean;
  /** The operating system (Node's platform name: linux, darwin, win32…), for install pages; undefined when unknown. */
  platform?: string;
  /** The machine's IANA time zone (e.g. Europe/Berlin), for the region question's suggestion; undefined when unknown. */
  timeZone?: string;
}

// ---------- The wizard's state: answers and results, saved after each step ----------

export type ImageSource = 'build' | 'sample' | { local: string };

export interface WizardState {
  project: string;
  location: string;
  repository: string; // repository ID
  repositoryName: string; // projects/P/locations/L/repositories/R
  registryHost: string; // L-docker.pkg.dev
  image: string; // image name inside the repository, e.g. "app"
  source: ImageSource;
  localImage: string; // the local ref that was pushed
  sha: string | null; // git short sha
  imageUris: string[]; // HOST/P/R/IMAGE:tag for every pushed tag
  digest: string; // sha256:…
  dockerConfigBackup: string;
  createdRepository: boolean;
  warnings: string[];
  /** Location IDs the API listed for the project (project step; feeds the region step). */
  locations?: string[];
  /** The repository's dockerConfig.immutableTags (repository step; checked before pushing latest). */
  immutableTags?: boolean;
  /** What the repository holds at the end of the run, as the API lists it (summary step): images (digests) and bytes. */
  storage?: { images: number; bytes: number };
  /** The Artifact Registry API is off and the user agreed to enable it (project step's question). */
  enableApi?: boolean;
  /** This run (or an earlier one) enabled the API. */
  apiEnabledHere?: boolean;
  /** The repository was already there when asked about (repository step's read-only look). */
  repositoryExists?: boolean;
  /** Rebuild the local image for linux/amd64 (asked when it is another platform); after the push: it was rebuilt. */
  rebuild?: boolean;
  /** The credHelpers entry for the registry host was added by registry-setup (not there before). */
  dockerEntryAdded?: boolean;
  /** gcloud's active account when the setup last ran (preflight), for doctor to notice a switch. */
  account?: string;
  /** The cleanup policy answer (cleanup step): see CleanupChoice. */
  cleanup?: CleanupChoice;
  /** The repository's cleanup policies as last seen (the cleanup step's look, or what it set). */
  cleanupPolicies?: CleanupPolicy[];
  /**
   * The policies registry-setup wrote to the repository (saved before the write): what undo removes,
   * each only while its id and content are still these. During a change of keepCount it holds both versions.
   */
  cleanupSet?: CleanupPolicy[];
  /** The repository's own policies the cleanup step replaced (saved before the write), and their dry run: what undo puts back. */
  cleanupReplaced?: ReplacedPolicies;
}

/** Policies registry-setup replaced, as they were. */
export interface ReplacedPolicies {
  policies: CleanupPolicy[];
  dryRun: boolean;
}

/**
 * What the cleanup step does: set our policy keeping the `keep` most recent versions (`replace`:
 * the user chose to replace the repository's own policies), or nothing: 'declined' (no, or
 * --cleanup none), 'not-asked' (--yes or no terminal, no --cleanup), 'kept-existing' (the
 * repository's own policies stay).
 */
export type CleanupChoice = { keep: number; replace?: boolean } | 'declined' | 'not-asked' | 'kept-existing';

import { describe, expect, it } from 'vitest';
import { explainFailure, explained, failureReason, failureToUser, gcloudAccount, type FailureContext } from '../../src/steps/failures.js';
import { BugError, CancelError, ExternalError, UserError, type FailureReason } from '../../src/errors.js';
import { fakeWorld, type Expectation } from '../fakes.js';

const C: FailureContext = {
  project: 'p1',
  role: 'roles/x',
  doing: 'do things',
  account: 'a@b.c',
  host: 'h.example',
  repo: 'r1',
  ref: 'h.example/p1/r1/app:a3f9c12',
};
const err = (reason: FailureReason, more: Partial<ExternalError['details']> = {}) =>
  new ExternalError(`${reason} from the adapter`, { reason, stderrTail: 'the last line it printed', ...more });

type Row = { cls: typeof UserError | typeof ExternalError; message: RegExp; fix?: RegExp };

// One row per reason: a reason added to the union fails to compile here until it has one.
const TABLE: Record<FailureReason, Row> = {
  SERVICE_DISABLED: { cls: UserError, message: /^The Artifact Registry API is not enabled in project p1\.$/, fix: /^Enable it: gcloud services enable artifactregistry.googleapis.com --project=p1\n.*let it enable the API/ },
  BILLING_DISABLED: { cls: UserError, message: /^Billing is not enabled for project p1\./, fix: /^Link a billing account: https:\/\/console.cloud.google.com\/billing\/linkedaccount\?project=p1\n/ },
  PERMISSION_DENIED: { cls: UserError, message: /^a@b.c may not do things in project p1\. That needs the role roles\/x\.$/, fix: /grant it: gcloud projects add-iam-policy-binding p1 --member=user:a@b.c --role=roles\/x\n.*gcloud auth list/ },
  UNAUTHENTICATED: { cls: UserError, message: /did not accept your gcloud login/, fix: /^Log in again: gcloud auth login\n/ },
  NOT_FOUND: { cls: ExternalError, message: /^NOT_FOUND from the adapter$/ },
  ALREADY_EXISTS: { cls: ExternalError, message: /^ALREADY_EXISTS from the adapter$/ },
  INVALID_REQUEST: { cls: ExternalError, message: /^INVALID_REQUEST from the adapter$/ },
  UNAVAILABLE: { cls: ExternalError, message: /^UNAVAILABLE from the adapter$/ },
  UNREACHABLE: { cls: ExternalError, message: /^UNREACHABLE from the adapter$/ },
  GCLOUD_NO_CREDENTIAL: { cls: ExternalError, message: /^GCLOUD_NO_CREDENTIAL from the adapter$/ },
  HELPER_MISSING: { cls: UserError, message: /^Docker could not run docker-credential-gcloud, .* for h\.example: it is not on the PATH Docker uses\.$/, fix: /gcloud components install docker-credential-gcloud\n.*docker login -u oauth2accesstoken --password-stdin h\.example$/ },
  HELPER_FAILED: { cls: UserError, message: /^Docker could not log in to h\.example/, fix: /docker-credential-gcloud get/ },
  PUSH_NO_CREDENTIALS: { cls: UserError, message: /^Docker could not log in to h\.example: the registry refused the push \(the last line it printed\)\.$/, fix: /"credHelpers": \{"h\.example": "gcloud"\}.*gcloud auth configure-docker h\.example/ },
  PUSH_UNAUTHORIZED: { cls: UserError, message: /^Docker could not log in to h\.example/, fix: /docker-credential-gcloud get[\s\S]*gcloud auth login/ },
  PUSH_DENIED: { cls: UserError, message: /^The registry denied the push to r1 \(the last line it printed\): either your account lacks permission to push, or the repository does not exist\.$/, fix: /^Pushing needs roles\/artifactregistry.writer: gcloud projects add-iam-policy-binding p1 --member=user:a@b.c --role=roles\/artifactregistry.writer\nCheck the repository exists: gcloud artifacts repositories list --project=p1$/ },
  TAG_IMMUTABLE: { cls: UserError, message: /^Repository r1 has immutable tags, so a3f9c12 cannot be moved to a new image\.$/, fix: /--image NAME\n.*"Immutable image tags" on r1/ },
  PUSH_CONNECTION: { cls: ExternalError, message: /^PUSH_CONNECTION from the adapter$/ },
  NO_SUCH_IMAGE: { cls: ExternalError, message: /^NO_SUCH_IMAGE from the adapter$/ },
  NO_ALL_TAGS: { cls: ExternalError, message: /^NO_ALL_TAGS from the adapter$/ },
  IMAGE_IN_USE: { cls: UserError, message: /^Docker will not remove h\.example\/p1\/r1\/app:a3f9c12: it is the last name of an image that a container uses\.$/, fix: /docker ps -a --filter ancestor=h\.example\/p1\/r1\/app:a3f9c12.*\n.*registry-setup undo again/ },
};

describe('the failure table: reason (+ context) → what the user sees', () => {
  it.each(Object.entries(TABLE) as [FailureReason, Row][])('%s', (reason, row) => {
    const e = err(reason);
    const out = failureToUser(e, C) as UserError | ExternalError;
    expect(out).toBeInstanceOf(row.cls);
    expect(out.message).toMatch(row.message);
    if (row.cls === ExternalError) expect(out).toBe(e); // as it is, with whatever fix the adapter gave
    else {
      expect(out.cause).toBe(e);
      expect(out.fix.join('\n')).toMatch(row.fix!);
    }
  });

  it.each([
    { case: 'permission denied names the missing permission', e: err('PERMISSION_DENIED', { metadata: { permission: 'artifactregistry.repositories.create' } }), c: C, message: /\(missing permission artifactregistry.repositories.create\)/, fix: /--member=user:a@b.c/ },
    { case: 'no account known: "your gcloud account" and a placeholder member', e: err('PERMISSION_DENIED'), c: { ...C, account: undefined }, message: /^your gcloud account may not do things/, fix: /--member=user:YOUR_EMAIL/ },
    { case: 'a service account is granted as one', e: err('PUSH_DENIED'), c: { ...C, account: 'ci@p1.iam.gserviceaccount.com' }, message: /denied the push/, fix: /--member=serviceAccount:ci@p1.iam.gserviceaccount.com/ },
    { case: 'docker context missing: plain words', e: err('TAG_IMMUTABLE'), c: { project: 'p1', role: 'r', doing: 'd' }, message: /^Repository the repository has immutable tags, so the tag cannot be moved/, fix: /--image/ },
  ])('$case', ({ e, c, message, fix }) => {
    const out = failureToUser(e, c) as UserError;
    expect(out).toBeInstanceOf(UserError);
    expect(out.message).toMatch(message);
    expect(out.fix.join('\n')).toMatch(fix);
  });

  it.each([
    { case: 'an ExternalError without a reason', e: new ExternalError('`gcloud x` failed (exit 1): denied: billing is off') },
    { case: 'a UserError', e: new UserError('fix this', ['like so']) },
    { case: 'a cancel', e: new CancelError() },
    { case: 'a bug', e: new BugError('oops') },
    { case: 'a plain Error', e: new Error('permission denied') },
  ])('passes through as it is: $case (error text is never read)', ({ e }) => {
    expect(failureReason(e)).toBeUndefined();
    expect(failureToUser(e, C)).toBe(e);
  });
});

describe('explainFailure: the account is asked for only when the error names it', () => {
  const cfg = (r: Partial<Expectation>): Expectation => ({ call: 'gcloud.config', ...r }) as Expectation;
  it.each([
    { case: 'permission denied: looked up', reason: 'PERMISSION_DENIED' as const, calls: [cfg({ result: { account: 'ana@example.com' } })], fix: /--member=user:ana@example.com --role=roles\/x/ },
    { case: 'push denied: looked up', reason: 'PUSH_DENIED' as const, calls: [cfg({ result: { account: 'ana@example.com' } })], fix: /--member=user:ana@example.com --role=roles\/artifactregistry.writer/ },
    { case: 'gcloud cannot tell: a placeholder', reason: 'PERMISSION_DENIED' as const, calls: [cfg({ throws: new ExternalError('gcloud config failed') })], fix: /--member=user:YOUR_EMAIL/ },
    { case: 'billing: not looked up', reason: 'BILLING_DISABLED' as const, calls: [], fix: /billing\/linkedaccount\?project=p1/ },
    { case: 'disabled API: not looked up', reason: 'SERVICE_DISABLED' as const, calls: [], fix: /services enable/ },
  ])('$case', async ({ reason, calls, fix }) => {
    const w = fakeWorld({ calls });
    const out = (await explainFailure(err(reason), w.env, { ...C, account: undefined })) as UserError;
    expect(out).toBeInstanceOf(UserError);
    expect(out.fix.join('\n')).toMatch(fix);
    w.assertDone();
  });

  it('an account in the context is used as is', async () => {
    const w = fakeWorld();
    const out = (await explainFailure(err('PERMISSION_DENIED'), w.env, C)) as UserError;
    expect(out.fix.join('\n')).toMatch(/--member=user:a@b.c/);
    w.assertDone();
  });

  it('errors without a reason: nothing asked, returned as they are', async () => {
    const w = fakeWorld();
    const e = new CancelError();
    expect(await explainFailure(e, w.env, { ...C, account: undefined })).toBe(e);
    w.assertDone();
  });

  it('explained(): the value, or the failure explained', async () => {
    const w = fakeWorld();
    await expect(explained(w.env, C, async () => 42)).resolves.toBe(42);
    await expect(explained(w.env, C, async () => Promise.reject(err('BILLING_DISABLED')))).rejects.toThrow(/Billing is not enabled for project p1/);
    w.assertDone();
  });
});

describe('gcloudAccount', () => {
  it.each([
    { case: 'the active account', call: { call: 'gcloud.config', result: { account: 'ana@example.com' } } as Expectation, want: 'ana@example.com' },
    { case: 'none set', call: { call: 'gcloud.config', result: {} } as Expectation, want: undefined },
    { case: 'gcloud fails: undefined, not an error', call: { call: 'gcloud.config', throws: new ExternalError('gcloud config failed') } as Expectation, want: undefined },
  ])('$case', async ({ call, want }) => {
    const w = fakeWorld({ calls: [call] });
    expect(await gcloudAccount(w.env)).toBe(want);
    w.assertDone();
  });
});

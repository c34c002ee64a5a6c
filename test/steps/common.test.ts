import { describe, expect, it } from 'vitest';
import { cleanupTempDir, explainApiError, isAlreadyExists, isBillingDisabled, isPermissionDenied, isServiceDisabled, isUnauthenticated, sh } from '../../src/steps/common.js';
import { ExternalError, UserError, CancelError } from '../../src/errors.js';
import { fakeWorld } from '../fakes.js';

const e = (message: string, details: ConstructorParameters<typeof ExternalError>[1] = {}) => new ExternalError(message, details);

describe('API error classification', () => {
  it.each([
    { case: 'SERVICE_DISABLED reason', err: e('x', { code: 7, reason: 'SERVICE_DISABLED' }), want: 'disabled' },
    { case: 'disabled API by message text only (like gcloud does)', err: e('Artifact Registry API has not been used in project p before or it is disabled. Enable it by visiting …'), want: 'disabled' },
    { case: 'BILLING_DISABLED reason', err: e('x', { code: 7, reason: 'BILLING_DISABLED' }), want: 'billing' },
    { case: 'billing in gcloud stderr', err: e('gcloud failed', { stderrTail: 'FAILED_PRECONDITION: Billing must be enabled for activation of service' }), want: 'billing' },
    { case: 'IAM_PERMISSION_DENIED', err: e('x', { code: 7, reason: 'PERMISSION_DENIED' }), want: 'denied' },
    { case: 'bare PERMISSION_DENIED code', err: e('x', { code: 7 }), want: 'denied' },
    { case: 'UNAUTHENTICATED', err: e('x', { code: 16 }), want: 'unauth' },
    { case: 'ALREADY_EXISTS', err: e('x', { code: 6 }), want: 'exists' },
    { case: 'UNAVAILABLE is none of these', err: e('x', { code: 14 }), want: 'other' },
  ])('$case', ({ err, want }) => {
    const got = isServiceDisabled(err) ? 'disabled' : isBillingDisabled(err) ? 'billing' : isPermissionDenied(err) ? 'denied' : isUnauthenticated(err) ? 'unauth' : isAlreadyExists(err) ? 'exists' : 'other';
    expect(got).toBe(want);
  });

  it.each([
    { err: e('x', { code: 7, reason: 'SERVICE_DISABLED' }), cls: UserError, msg: /not enabled in project p1/ },
    { err: e('x', { code: 7, reason: 'BILLING_DISABLED' }), cls: UserError, msg: /Billing is not enabled for project p1/ },
    { err: e('x', { code: 7, reason: 'PERMISSION_DENIED' }), cls: UserError, msg: /a@b.c may not do things in project p1.*roles\/x/ },
    { err: e('x', { code: 16 }), cls: UserError, msg: /gcloud login/ },
    { err: e('boom', { code: 14 }), cls: ExternalError, msg: /boom/ },
    { err: new CancelError(), cls: CancelError, msg: /cancelled/ },
  ])('explainApiError → $cls.name ($msg)', ({ err, cls, msg }) => {
    const out = explainApiError(err, { project: 'p1', account: 'a@b.c', role: 'roles/x', doing: 'do things' }) as Error;
    expect(out).toBeInstanceOf(cls);
    expect(out.message).toMatch(msg);
  });

  it('sh quotes only when needed', () => {
    expect(sh('mycoolproject-repo')).toBe('mycoolproject-repo');
    expect(sh("it's here")).toBe(`'it'\\''s here'`);
  });
});

describe('cleanupTempDir', () => {
  it.each([
    { case: 'removes the dir', calls: [{ call: 'files.removeTempDir' as const, args: ['/tmp/x'] }], drop: false },
    { case: 'a failing removal is ignored', calls: [{ call: 'files.removeTempDir' as const, args: ['/tmp/x'], throws: new Error('EBUSY') }], drop: false },
    { case: 'adapters without removeTempDir: skipped', calls: [], drop: true },
  ])('$case', async ({ calls, drop }) => {
    const w = fakeWorld({ calls });
    if (drop) delete (w.env.files as { removeTempDir?: unknown }).removeTempDir;
    await expect(cleanupTempDir(w.env, '/tmp/x')).resolves.toBeUndefined();
    w.assertDone();
  });
});

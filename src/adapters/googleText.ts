// How Google words a disabled API and missing billing. The same words reach us three ways: in an
// API error's message (when ErrorInfo is missing), in the registry's answer that docker push
// prints, and in gcloud's stderr; each adapter reads them through these two patterns.

/** "Artifact Registry API has not been used in project P before or it is disabled. Enable it by visiting …" */
export const SERVICE_DISABLED_TEXT = /has not been used in project|it is disabled\. Enable it by visiting|\bSERVICE_DISABLED\b/i;

/** "This API method requires billing to be enabled", "Billing account for project … is not found", … */
export const BILLING_DISABLED_TEXT = /billing[^.]*(not enabled|disabled|must be enabled|not found|closed)|\bBILLING_DISABLED\b|requires billing/i;

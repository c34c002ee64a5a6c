// google.rpc.Status errors, shaped as Google's REST APIs send them.

export const STATUS_BY_HTTP: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

/** gRPC codes by status name (for operation errors, which carry the gRPC code). */
export const GRPC_CODE: Readonly<Record<string, number>> = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
};

export interface ErrorInfo {
  reason: string;
  domain: string;
  metadata?: Record<string, string>;
}

/** An error answer: HTTP status, google.rpc status name, message, optional ErrorInfo. */
export class ApiError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly status: string,
    message: string,
    readonly info?: ErrorInfo,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): { error: Record<string, unknown> } {
    const error: Record<string, unknown> = { code: this.httpStatus, message: this.message, status: this.status };
    if (this.info) {
      error.details = [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: this.info.reason, domain: this.info.domain, metadata: this.info.metadata ?? {} }];
    }
    return { error };
  }
}

export const notFound = (message = 'Requested entity was not found.'): ApiError => new ApiError(404, 'NOT_FOUND', message);
export const invalidArgument = (message: string): ApiError => new ApiError(400, 'INVALID_ARGUMENT', message);
export const alreadyExists = (message: string): ApiError => new ApiError(409, 'ALREADY_EXISTS', message);

export function serviceDisabled(service: string, title: string, project: string): ApiError {
  const url = `https://console.developers.google.com/apis/api/${service}/overview?project=${project}`;
  return new ApiError(
    403,
    'PERMISSION_DENIED',
    `${title} has not been used in project ${project} before or it is disabled. Enable it by visiting ${url} then retry. If you enabled this API recently, wait a few minutes for the action to propagate to our systems and retry.`,
    { reason: 'SERVICE_DISABLED', domain: 'googleapis.com', metadata: { service, consumer: `projects/${project}`, activationUrl: url } },
  );
}

export function billingDisabled(service: string, projectNumber: string): ApiError {
  return new ApiError(
    403,
    'PERMISSION_DENIED',
    `This API method requires billing to be enabled. Please enable billing on project #${projectNumber} by visiting https://console.developers.google.com/billing/enable?project=${projectNumber} then retry. If you enabled billing for this project recently, wait a few minutes for the action to propagate to our systems and retry.`,
    {
      reason: 'BILLING_DISABLED',
      domain: 'googleapis.com',
      metadata: { service, consumer: `projects/${projectNumber}` },
    },
  );
}

/** IAM refusal: `resource` is the full resource name, e.g. //artifactregistry.googleapis.com/projects/P/locations/L. */
export function permissionDenied(permission: string, resource: string, domain: string): ApiError {
  return new ApiError(403, 'PERMISSION_DENIED', `Permission '${permission}' denied on resource '${resource}' (or it may not exist).`, {
    reason: 'IAM_PERMISSION_DENIED',
    domain,
    metadata: { permission, resource: resource.replace(/^\/\/[^/]+\//, '') },
  });
}

/** A project that does not exist, as Google's API front answers for it. */
export function consumerInvalid(service: string, project: string): ApiError {
  return new ApiError(403, 'PERMISSION_DENIED', `Permission denied on resource project ${project}.`, {
    reason: 'CONSUMER_INVALID',
    domain: 'googleapis.com',
    metadata: { service, consumer: `projects/${project}` },
  });
}

export function unauthenticated(service: string, missing: boolean): ApiError {
  const see = 'See https://developers.google.com/identity/sign-in/web/devconsole-project.';
  const message = missing
    ? `Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. ${see}`
    : `Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. ${see}`;
  return new ApiError(
    401,
    'UNAUTHENTICATED',
    message,
    { reason: missing ? 'CREDENTIALS_MISSING' : 'ACCESS_TOKEN_TYPE_UNSUPPORTED', domain: 'googleapis.com', metadata: { service } },
    { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' },
  );
}

/** The answer for an injected status fault. */
export function faultError(status: 429 | 500 | 503): ApiError {
  switch (status) {
    case 429:
      return new ApiError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded for quota metric \'Requests\' and limit \'Requests per minute\'. (lab: injected fault)');
    case 500:
      return new ApiError(500, 'INTERNAL', 'Internal error encountered. (lab: injected fault)');
    case 503:
      return new ApiError(503, 'UNAVAILABLE', 'The service is currently unavailable. (lab: injected fault)');
  }
}

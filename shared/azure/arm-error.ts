import { AzureError, errorMessage } from '../errors';
import { describeUrl } from './retry-policy';

interface ArmErrorBody {
  code?: string;
  message?: string;
  target?: string;
  details?: ArmErrorBody[];
}

function parseErrorBody(text: string | undefined): ArmErrorBody | undefined {
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as { error?: ArmErrorBody } & ArmErrorBody;
    const body = parsed.error ?? parsed;
    return body.code || body.message ? body : undefined;
  } catch {
    return undefined;
  }
}

export interface HeaderSource {
  get(name: string): string | undefined;
}

/** One readable error from an ARM error response: operation, status, code, message, target, request id. */
export function armErrorFromResponse(operation: string, status: number, headers: HeaderSource, bodyText: string | undefined): AzureError {
  const body = parseErrorBody(bodyText);
  const requestId = headers.get('x-ms-request-id') ?? headers.get('x-ms-correlation-request-id');
  const attempts = headers.get('x-azureml-tasks-attempts');
  const detail = body?.details
    ?.map((d) => d.message)
    .filter(Boolean)
    .join(' ');
  const parts = [
    `${operation} failed${attempts ? ` after ${attempts} attempts` : ''}: HTTP ${status}`,
    body?.code ? ` ${body.code}` : '',
    `: ${body?.message ?? (bodyText?.slice(0, 300) || 'no error details in the response')}`,
    detail ? ` ${detail}` : '',
    body?.target ? ` (target: ${body.target})` : '',
    requestId ? ` [request id ${requestId}]` : '',
  ];
  return new AzureError(parts.join(''), { status, code: body?.code, target: body?.target, requestId, operation });
}

interface RestErrorLike {
  name?: string;
  message?: string;
  code?: string;
  statusCode?: number;
  attempts?: number;
  request?: { url?: string };
  response?: { status: number; headers: HeaderSource; bodyAsText?: string | null };
}

/** Turns whatever an Azure SDK call threw (RestError, network error, credential error) into an AzureError. */
export function toAzureError(operation: string, err: unknown): AzureError {
  if (err instanceof AzureError) return err;
  const e = (err ?? {}) as RestErrorLike;
  if (e.response && e.response.status >= 400) {
    return armErrorFromResponse(operation, e.response.status, e.response.headers, e.response.bodyAsText ?? undefined);
  }
  if (e.name === 'AuthenticationError' || e.name === 'CredentialUnavailableError' || e.name === 'AuthenticationRequiredError') {
    return new AzureError(`${operation} failed: could not get an Azure token: ${e.message}`, { operation });
  }
  const where = e.request?.url ? ` (${describeUrl(e.request.url)})` : '';
  const attempts = e.attempts ? ` after ${e.attempts} attempts` : '';
  return new AzureError(`${operation} failed${attempts}${where}: ${e.code ? `${e.code} ` : ''}${errorMessage(err)}`, {
    code: e.code,
    operation,
  });
}

/** Whether an error is an Azure answer of 404 (the "does not exist" of idempotent reads). */
export function isNotFound(err: unknown): boolean {
  return (err as { details?: { status?: number } } | undefined)?.details?.status === 404;
}

import { detailText, fieldError, type MessageCode, type MessageRef, type Params } from './i18n/messages';

/**
 * Domain errors know nothing about HTTP; src/http/problem.ts maps them to problem+json in one place, in the
 * language the request prefers. An error (or a field error) with a message code is rendered from the catalogue
 * (src/i18n/messages.ts); its English message is kept as the text of the error itself, for logs.
 */
export interface FieldError {
  path: string;
  message: string;
  code?: MessageCode;
  params?: Params;
}

/** An error whose detail is a message of the catalogue (its `message` being the English text). */
interface Coded {
  readonly detailRef?: MessageRef;
}

/** The English text of a coded detail, followed (listErrors) by its field errors. */
const english = (ref: MessageRef, errors: FieldError[] = []) => detailText(ref, errors, 'en');

export class ValidationError extends Error implements Coded {
  override readonly name = 'ValidationError';
  constructor(
    message: string,
    readonly errors: FieldError[] = [],
    readonly detailRef?: MessageRef,
  ) {
    super(message);
  }
  /** One field's error by code: `invalid request: decidedAt is in the future` / `请求有误：决定日期不能晚于今天`. */
  static coded(path: string, code: MessageCode, params?: Params): ValidationError {
    return ValidationError.of('invalid_request', [fieldError(path, code, params)]);
  }
  /** Every field error at once, after a heading of the catalogue. */
  static of(heading: MessageCode, errors: FieldError[]): ValidationError {
    const ref: MessageRef = { code: heading, listErrors: true };
    return new ValidationError(english(ref, errors), errors, ref);
  }
}

export class UnauthenticatedError extends Error {
  override readonly name = 'UnauthenticatedError';
}

export class ForbiddenError extends Error implements Coded {
  override readonly name = 'ForbiddenError';
  constructor(
    message: string,
    readonly detailRef?: MessageRef,
  ) {
    super(message);
  }
  static coded(code: MessageCode, params?: Params): ForbiddenError {
    const ref = { code, params };
    return new ForbiddenError(english(ref), ref);
  }
}

export class NotFoundError extends Error implements Coded {
  override readonly name = 'NotFoundError';
  constructor(
    message: string,
    readonly detailRef?: MessageRef,
  ) {
    super(message);
  }
  static coded(code: MessageCode, params?: Params): NotFoundError {
    const ref = { code, params };
    return new NotFoundError(english(ref), ref);
  }
}

export class ConflictError extends Error implements Coded {
  override readonly name = 'ConflictError';
  constructor(
    message: string,
    readonly errors: FieldError[] = [],
    readonly detailRef?: MessageRef,
  ) {
    super(message);
  }
  static coded(code: MessageCode, params?: Params, errors: FieldError[] = []): ConflictError {
    const ref = { code, params };
    return new ConflictError(english(ref), errors, ref);
  }
}

/**
 * Well-formed, but the law or the entry does not allow it (a window closed, a field that may not change, a listing
 * whose term ended before it arrived): 422.
 */
export class UnprocessableError extends Error implements Coded {
  override readonly name = 'UnprocessableError';
  constructor(
    message: string,
    readonly errors: FieldError[] = [],
    readonly detailRef?: MessageRef,
  ) {
    super(message);
  }
  static of(heading: MessageCode, errors: FieldError[]): UnprocessableError {
    const ref: MessageRef = { code: heading, listErrors: true };
    return new UnprocessableError(english(ref, errors), errors, ref);
  }
  static coded(code: MessageCode, params?: Params, errors: FieldError[] = []): UnprocessableError {
    const ref = { code, params };
    return new UnprocessableError(english(ref), errors, ref);
  }
}

/** A rule (or calendar) file that cannot be used: start-up stops, naming the file and the field. */
export class RuleFileError extends Error {
  override readonly name = 'RuleFileError';
  constructor(
    readonly file: string,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${file}: ${field || '(root)'}: ${problem}`);
  }
}

/** Too many requests of a kind from one caller; retryAfterSeconds becomes the Retry-After header. */
export class TooManyRequestsError extends Error {
  override readonly name = 'TooManyRequestsError';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

import { ConflictError, ForbiddenError, NotFoundError, UnauthenticatedError, ValidationError } from '../../src/errors';
import { problemFromError } from '../../src/http/problem';

describe('problemFromError', () => {
  it('maps each domain error to its status, keeping the message and the field errors', () => {
    expect(problemFromError(ValidationError.coded('decidedAt', 'in_future'))).toEqual({
      type: 'https://joint-punishment.example/problems/bad-request',
      title: 'Bad Request',
      status: 400,
      detail: 'invalid request: decidedAt is in the future',
      errors: [{ path: 'decidedAt', message: 'is in the future', code: 'in_future' }],
      detailRef: { code: 'invalid_request', listErrors: true },
    });
    const statuses = [
      new UnauthenticatedError('x'),
      new ForbiddenError('x'),
      new NotFoundError('x'),
      new ConflictError('x'),
    ].map((e) => problemFromError(e).status);
    expect(statuses).toEqual([401, 403, 404, 409]);
  });

  it("turns the body parser's errors into 413, 400 naming the body, and 415", () => {
    expect(problemFromError({ type: 'entity.too.large', limit: 1048576 })).toMatchObject({
      status: 413,
      detail: 'the request body is over the 1 MB limit',
    });
    expect(problemFromError({ type: 'entity.parse.failed', message: 'Unexpected token' })).toMatchObject({
      status: 400,
      errors: [{ path: 'body', message: 'is not valid JSON' }],
    });
    expect(problemFromError({ type: 'charset.unsupported', message: 'unsupported charset "LATIN-9"' }).status).toBe(
      415,
    );
  });

  it('says nothing of an unexpected failure beyond that it was logged', () => {
    const p = problemFromError(new Error('connection to 10.0.0.5 refused; password=secret'));
    expect(p).toEqual({
      type: 'https://joint-punishment.example/problems/internal',
      title: 'Internal Server Error',
      status: 500,
      detail: 'an unexpected error occurred; it has been logged',
    });
    expect(problemFromError({ expose: true, status: 502, message: 'upstream' }).status).toBe(500);
  });
});

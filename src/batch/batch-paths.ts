/** The batch endpoints, which take bodies up to BATCH_BODY_LIMIT (every other route: 1 MB). */
export const BATCH_PATHS = ['/v1/list-entries/batch', '/v1/list-entries/removals/batch'];
export const BATCH_BODY_LIMIT = '50mb';

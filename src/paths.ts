import path from 'node:path';

/** The project root, whether running from src/ (ts-jest, tsx) or dist/ (compiled). */
export const projectRoot = path.resolve(__dirname, '..');
export const rulesDir = path.join(projectRoot, 'rules');
export const migrationsDir = path.join(projectRoot, 'migrations');
export const openapiFile = path.join(projectRoot, 'openapi', 'openapi.yaml');
export const dashboardDir = path.join(projectRoot, 'dashboard');

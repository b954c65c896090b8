import path from 'node:path';
import express, { type Router } from 'express';
import { dashboardDir } from '../paths';

/**
 * The supervisor's dashboard: static ES-module pages (no build step) that call the /v1 API on the same origin with
 * the bearer token the user signs in with, so the API's own authorisation decides what each page may show. The few
 * browser libraries are served straight from node_modules; nothing is fetched from the internet.
 */
const VENDOR_FILES: Record<string, [pkg: string, file: string]> = {
  'echarts.js': ['echarts', 'dist/echarts.esm.min.mjs'],
  'exceljs.js': ['exceljs', 'dist/exceljs.min.js'],
};

/** The folder of an installed package (its exports map may hide package.json, so walk up from its entry file). */
function packageDir(name: string): string {
  let dir = path.dirname(require.resolve(name));
  while (path.basename(dir) !== name.split('/').pop() || path.basename(path.dirname(dir)) !== 'node_modules') {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the folder of package ${name}`);
    dir = parent;
  }
  return dir;
}

// Scripts only from this origin; the token lives in sessionStorage, so no script from elsewhere may run here.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'", // ECharts and lit-html set element styles
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

export function dashboardRouter(rulesDir: string): Router {
  const router = express.Router();
  router.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  for (const [name, [pkg, file]] of Object.entries(VENDOR_FILES)) {
    const full = path.join(packageDir(pkg), file);
    router.get(`/vendor/${name}`, (_req, res) => res.type('text/javascript').sendFile(full, { maxAge: '1d' }));
  }
  // Names of scenarios, officer roles and lists in both languages, from the rules' own catalog: one copy, not two.
  const catalog = path.join(rulesDir, 'catalog.json');
  router.get('/catalog.json', (_req, res) => res.sendFile(catalog, { maxAge: 0 }));
  router.use('/vendor/lit-html', express.static(packageDir('lit-html'), { index: false, maxAge: '1d' }));
  router.use(express.static(dashboardDir, { index: 'index.html', redirect: true }));
  return router;
}

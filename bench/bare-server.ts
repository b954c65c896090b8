import express from 'express';

/**
 * The baseline for checks: a bare express handler answering with a fixed JSON body of the given sizes, on the
 * same runtime, machine and port kind as the service. No auth, no validation, no database.
 */
const port = Number(process.env.PORT ?? 0);
const pad = (n: number) => JSON.stringify({ restricted: true, measures: [], pad: 'x'.repeat(Math.max(0, n - 45)) });
const enterpriseBody = pad(Number(process.env.ENTERPRISE_BYTES ?? 500));
const officerBody = pad(Number(process.env.OFFICER_BYTES ?? 500));
const personBody = pad(Number(process.env.PERSON_BYTES ?? 500));
const app = express();
app.use(express.json({ limit: '1mb' }));
app.get('/v1/checks/enterprises/:uscc', (_req, res) => {
  res.type('application/json').send(enterpriseBody);
});
app.post('/v1/checks/officers', (_req, res) => {
  res.type('application/json').send(officerBody);
});
app.post('/v1/checks/persons', (_req, res) => {
  res.type('application/json').send(personBody);
});
const server = app.listen(port, '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`listening ${typeof a === 'object' && a ? a.port : port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

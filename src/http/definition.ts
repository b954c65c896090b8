import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import type { Document } from 'openapi-backend';
import { openapiFile } from '../paths';

let definitionCache: Document | undefined;
/** openapi/openapi.yaml, parsed once: a file of the release, it cannot change while the process runs. */
export function openapiDefinition(): Document {
  definitionCache ??= yaml.load(readFileSync(openapiFile, 'utf8')) as Document;
  return definitionCache;
}

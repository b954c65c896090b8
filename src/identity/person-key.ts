import { createHmac } from 'node:crypto';
import { normaliseIdNumber } from './id-number';

/**
 * ID numbers are personal data: the database keeps only a keyed hash (for look-up) and a masked form (for display).
 * A keyed hash, unlike a plain one, cannot be reversed by hashing every possible ID number without the key.
 */
export type PersonKeyer = (idNumber: string) => string;

export function createPersonKeyer(key: string): PersonKeyer {
  return (idNumber) => createHmac('sha256', key).update(normaliseIdNumber(idNumber)).digest('hex');
}

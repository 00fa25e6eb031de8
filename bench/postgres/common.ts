/** Shared by the PostgreSQL drivers and explain.ts: the server, and schema cleanup. */
import { dropSchema as drop } from '../harness/util.js';

export const PG_URL = process.env.HOURGLASS_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export const dropSchema = (schema: string) => drop(PG_URL, schema);

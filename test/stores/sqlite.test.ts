import { describeStoreContract } from '../conformance/store-contract.js';
import { sqliteFileFactory } from './sqlite.factory.js';

await describeStoreContract(sqliteFileFactory);

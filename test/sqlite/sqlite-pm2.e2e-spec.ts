import { describeWorkerScenarios } from './sqlite-workers.scenarios.js';

describeWorkerScenarios('pm2');

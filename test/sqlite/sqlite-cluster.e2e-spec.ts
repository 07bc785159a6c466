import { describeWorkerScenarios } from './sqlite-workers.scenarios.js';

describeWorkerScenarios('cluster');

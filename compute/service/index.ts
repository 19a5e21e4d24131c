/** compute/service: the Service runner (heartbeats, periodic tasks, graceful stop). */
export { Service, serviceIsUp, type Manager, type PeriodicTask, type ServiceOptions } from './service.js';

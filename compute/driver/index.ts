/** compute/driver: the HypervisorDriver contract and its fake implementation. */
export * from './hypervisor-driver.js';
export { FakeDriver, type FakeDriverOptions } from './fake-driver.js';

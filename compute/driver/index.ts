/** compute/driver: the HypervisorDriver contract, the fake driver and the libvirt driver. */
export * from './hypervisor-driver.js';
export { FakeDriver, type FakeDriverOptions } from './fake-driver.js';
export { LibvirtDriver, type LibvirtDriverOptions, type LibvirtImages } from './libvirt/index.js';

/**
 * compute/network: nova-network's control plane — networks, fixed and
 * floating IPs, security groups, key pairs — and the `NetworkDriver`
 * contract a compute host's data plane (`linux/`) fulfils.
 */
export * from './types.js';
export { RecordingNetworkDriver, type NetworkCall } from './recording-network-driver.js';

/**
 * compute/network: nova-network's control plane — networks, fixed and
 * floating IPs, security groups, key pairs — and the `NetworkDriver`
 * contract a compute host's data plane (`linux/`) fulfils.
 */
export * from './types.js';
export { RecordingNetworkDriver, type NetworkCall } from './recording-network-driver.js';
export { NetworkService, sanitizeHostname, DEFAULT_NETWORK_CONFIG, type NetworkConfig, type AddressView } from './network-service.js';
export { NetworkDb, NoMoreFixedIpsError, NetworkInUseError, type NewNetwork } from './network-db.js';
export { FloatingIpDb, NoMoreFloatingIpsError } from './floating-ip-db.js';
export { SecurityGroupDb, type NewRule } from './security-group-db.js';
export { KeyPairDb, KeyPairExistsError } from './keypair-db.js';
export { generateSshKeyPair, sshFingerprint, sshKeyBlob } from './ssh-keys.js';
export { generateMac } from './mac.js';
export * as ipv4 from './ipv4.js';
export { HostNetworking } from './host-networking.js';
export { NoNetworkDriver } from './no-network-driver.js';

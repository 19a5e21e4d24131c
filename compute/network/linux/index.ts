/**
 * compute/network/linux: the `NetworkDriver` of a Linux compute host —
 * bridges, dnsmasq, nftables NAT and filters — optionally inside one
 * network namespace.
 */
export { LinuxNetworkDriver, type LinuxNetworkOptions } from './linux-network-driver.js';
export { HostCommands, HostCommandError } from './host-command.js';
export { linkExists } from './bridge.js';
export { dnsmasqFiles, type DnsmasqFiles } from './dnsmasq.js';
export { NAT_TABLE } from './nat.js';
export { FILTER_TABLE, SPOOF_TABLE } from './filter.js';

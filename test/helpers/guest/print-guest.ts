/**
 * `npm run guest:build`: builds (or finds in its cache) the test guest — a
 * Debian cloud kernel and a busybox initramfs that takes its address by
 * DHCP, reads the config drive or 169.254.169.254, and prints what it
 * learnt on its serial console — and prints the two files' paths, so a
 * user can upload them as images (compute/README.md's walkthrough).
 */
import { buildTestGuest, guestBuildMissing } from './build-guest.js';

const missing = await guestBuildMissing();
if (missing) {
  console.error(`cannot build the test guest: ${missing}`);
  process.exit(1);
}
const guest = await buildTestGuest();
console.log(`kernel=${guest.kernel}`);
console.log(`initrd=${guest.initrd}`);
console.log(`# from ${guest.versions.kernel}, busybox ${guest.versions.busybox}`);

/** compute/driver/libvirt: real guests through virsh and qemu-img (the driver, its domain XML, image cache and events). */
export { LibvirtDriver, type LibvirtDriverOptions, type LibvirtImages } from './libvirt-driver.js';
export { domainXml, type DomainSpec } from './domain-xml.js';
export { checkImageFormat, detectFormat, qcow2HeaderProblem, ImageFormatError, BOOTABLE_FORMATS, type CheckedImage } from './image-format.js';
export { ImageCache, verifyImageFile, type ImageFetcher } from './image-cache.js';
export {
  createImage, resizeImage, convert, convertInto, convertSnapshot, createInternalSnapshot, deleteInternalSnapshot, listInternalSnapshots,
  imageInfo, mapImage, QemuImgError, type ImageInfo, type MapExtent,
} from './qemu-img.js';
export { parseLifecycleLine, type LifecycleEvent } from './events.js';
export { makeVirsh, ExecVirsh, ShellVirsh, VirshError, type Virsh } from './virsh.js';
export { processRuns, stopProcess, readPidFile } from './host-process.js';

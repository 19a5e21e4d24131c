/**
 * What guests learn about themselves: the documents of Nova's
 * InstanceMetadata, the config drive that carries them (ISO9660,
 * `config-2`) and the metadata service that serves them over HTTP to the
 * instance whose fixed IP asks.
 */
export {
  DHCP_DOMAIN, ec2Id, ec2MetaData, ec2MetaDataJson, guestMac, networkData, openstackMetaData, userDataOf, vendorData,
  type GuestNic, type MetadataSource,
} from './instance-metadata.js';
export { CONFIG_DRIVE_LABEL, ConfigDriveError, configDriveFiles, makeConfigDrive } from './config-drive.js';
export { createMetadataApp, remoteAddress, type MetadataAppOptions, type MetadataLookup } from './metadata-app.js';
export { DbMetadataLookup, guestNics, metadataSourceOf } from './db-lookup.js';
export { startMetadataForwarder, type MetadataForwarder, type MetadataForwarderOptions } from './metadata-forwarder.js';
export { startMetadataServer, type MetadataListen, type MetadataServer } from './metadata-server.js';
export { METADATA_ADDRESS, startGuestMetadata, type GuestMetadata, type GuestMetadataOptions } from './guest-metadata.js';

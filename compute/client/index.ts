/** compute/client: what the CLI uses to talk to the compute API. */
export { NovaClient, NovaClientError, tempauthLogin, type NovaClientOptions, type NovaResponse } from './nova-client.js';
export { formatTable, formatProperties } from './table.js';
export { Spinner } from './spinner.js';
export { ProgressBar } from './progress-bar.js';

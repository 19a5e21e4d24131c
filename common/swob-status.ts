/**
 * Swift's swob RESPONSE_REASONS: the reason phrase and the explanation
 * Swift renders as its default HTML error body, per status. Every HTTP edge
 * of ours answers with these so bodies match Swift's.
 */
const REASONS: Readonly<Record<number, readonly [string, string]>> = {
  200: ['OK', ''],
  201: ['Created', ''],
  202: ['Accepted', 'The request is accepted for processing.'],
  204: ['No Content', ''],
  206: ['Partial Content', ''],
  304: ['Not Modified', ''],
  400: ['Bad Request', 'The server could not comply with the request since it is either malformed or otherwise incorrect.'],
  401: ['Unauthorized', 'This server could not verify that you are authorized to access the document you requested.'],
  403: ['Forbidden', 'Access was denied to this resource.'],
  404: ['Not Found', 'The resource could not be found.'],
  405: ['Method Not Allowed', 'The method is not allowed for this resource.'],
  406: ['Not Acceptable', 'The resource is not available in a format acceptable to your browser.'],
  408: ['Request Timeout', 'The server has waited too long for the request to be sent by the client.'],
  409: ['Conflict', 'There was a conflict when trying to complete your request.'],
  411: ['Length Required', 'Content-Length header required.'],
  412: ['Precondition Failed', 'A precondition for this request was not met.'],
  413: ['Request Entity Too Large', 'The body of your request was too large for this server.'],
  416: ['Requested Range Not Satisfiable', 'The Range requested is not available.'],
  422: ['Unprocessable Entity', 'Unable to process the contained instructions'],
  // Not in swob's table: the status lines Swift's ratelimit filter writes itself.
  497: ['Blacklisted', ''],
  498: ['Rate Limited', ''],
  499: ['Client Disconnect', 'The client was disconnected during request.'],
  500: ['Internal Error', 'The server has either erred or is incapable of performing the requested operation.'],
  501: ['Not Implemented', 'The server is unable to perform the requested operation.'],
  502: ['Bad Gateway', 'The server received an invalid response from an upstream server.'],
  503: ['Service Unavailable', 'The server is currently unavailable. Please try again at a later time.'],
  504: ['Gateway Timeout', 'A timeout has occurred speaking to a backend server.'],
  507: ['Insufficient Storage', 'There was not enough space to save the resource. Drive: %(drive)s'],
};

/** The reason phrase Swift uses for `status`, if it has one. */
export function swobReason(status: number): string | undefined {
  return REASONS[status]?.[0];
}

/**
 * swob's default body for `status` ('' when the status has no explanation).
 * `drive` fills 507's `%(drive)s`; without it that sentence is left out.
 */
export function swobBody(status: number, drive?: string): string {
  const reason = REASONS[status];
  if (!reason || !reason[1]) return '';
  const text = drive === undefined ? reason[1].replace(' Drive: %(drive)s', '') : reason[1].replace('%(drive)s', drive);
  return `<html><h1>${reason[0]}</h1><p>${text}</p></html>`;
}

/** swob's explanation for `status` ('' when it has none). */
export function swobExplanation(status: number): string {
  return REASONS[status]?.[1] ?? '';
}

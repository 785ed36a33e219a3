/**
 * On-premise DocBits hosts: the manifest only names app.docbits.com; every other host the user adds in
 * settings gets the same content script through `scripting.registerContentScripts`, once (and as long as)
 * the user has granted its optional host permission.
 */
import { DEFAULT_DOCBITS_HOST, originPattern } from '../settings';

export const ONPREM_SCRIPT_ID = 'keyguard-docbits-onprem';
/** Where WXT writes the DocBits content script (entrypoints/docbits.content). */
export const DOCBITS_SCRIPT_FILE = 'content-scripts/docbits.js';

export interface RegisteredScript {
  id: string;
  matches?: string[];
  js?: string[];
  runAt?: 'document_start' | 'document_end' | 'document_idle';
  persistAcrossSessions?: boolean;
  allFrames?: boolean;
  /** Also frames without a URL of their own (about:blank, srcdoc, blob:) whose origin matches. */
  matchOriginAsFallback?: boolean;
}

export interface RegistrationDeps {
  scripting: {
    getRegisteredContentScripts(filter?: { ids?: string[] }): Promise<RegisteredScript[]>;
    registerContentScripts(scripts: RegisteredScript[]): Promise<void>;
    updateContentScripts(scripts: RegisteredScript[]): Promise<void>;
    unregisterContentScripts(filter?: { ids?: string[] }): Promise<void>;
  };
  permissions: { contains(p: { origins: string[] }): Promise<boolean> };
}

/**
 * Makes the registered on-premise content script match exactly the configured hosts whose permission is
 * granted (none → unregistered). Returns the hosts it now runs on.
 */
export async function syncOnPremScripts(deps: RegistrationDeps, hosts: readonly string[]): Promise<string[]> {
  const granted: string[] = [];
  for (const host of hosts) {
    if (host === DEFAULT_DOCBITS_HOST) continue;
    if (await deps.permissions.contains({ origins: [originPattern(host)] })) granted.push(host);
  }
  const existing = await deps.scripting.getRegisteredContentScripts({ ids: [ONPREM_SCRIPT_ID] });
  if (granted.length === 0) {
    if (existing.length > 0) await deps.scripting.unregisterContentScripts({ ids: [ONPREM_SCRIPT_ID] });
    return granted;
  }
  const script: RegisteredScript = {
    id: ONPREM_SCRIPT_ID,
    matches: granted.map(originPattern),
    js: [DOCBITS_SCRIPT_FILE],
    runAt: 'document_start',
    allFrames: false,
    persistAcrossSessions: true,
  };
  if (existing.length > 0) await deps.scripting.updateContentScripts([script]);
  else await deps.scripting.registerContentScripts([script]);
  return granted;
}

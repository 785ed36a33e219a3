/**
 * Chrome MV3: the service worker has no DOM, so clipboard writes go through one offscreen document that
 * is created on demand and kept. The clear is the background's (lib/background/clipboard.ts), which asks it to write
 * '' when due, recreating the document if Chrome closed it meanwhile. The Chrome APIs are passed in: the polyfill does
 * not type `offscreen` or `runtime.getContexts`.
 */

export interface OffscreenApi {
  createDocument(p: { url: string; reasons: string[]; justification: string }): Promise<void>;
}

export interface ContextsApi {
  getContexts(filter: { contextTypes: string[]; documentUrls?: string[] }): Promise<unknown[]>;
  sendMessage(message: unknown): Promise<unknown>;
}

export function createOffscreenClipboard(deps: {
  offscreen: OffscreenApi;
  runtime: ContextsApi;
  url: string;
}) {
  let creating: Promise<void> | null = null;

  async function ensure(): Promise<void> {
    const open = await deps.runtime.getContexts({
      contextTypes: ['OFFSCREEN_DOCUMENT'],
      documentUrls: [deps.url],
    });
    if (open.length > 0) return;
    // Two copies at once must not both try to create the single allowed document.
    creating ??= deps.offscreen
      .createDocument({
        url: deps.url,
        reasons: ['CLIPBOARD'],
        justification: 'Copy an API key to the clipboard and clear it again after the configured time',
      })
      .finally(() => {
        creating = null;
      });
    await creating;
  }

  /** Copies `text` and has the offscreen document clear it after `clearAfterMs` (0 = never). */
  async function copy(text: string, clearAfterMs: number): Promise<void> {
    await ensure();
    const reply = (await deps.runtime.sendMessage({
      type: 'offscreen.copy',
      payload: { text, clearAfterMs },
    })) as { ok?: boolean } | undefined;
    if (!reply?.ok) throw new Error('The clipboard could not be written');
  }

  return { copy };
}

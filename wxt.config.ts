import { resolve } from 'node:path';
import type { Plugin } from 'vite';
import { defineConfig } from 'wxt';

/**
 * popup.html loads one classic script, popup-app.js (entrypoints/popup-app.tsx): an unlisted script that
 * WXT builds on its own into one file, and that initialises WXT's runtime plugins itself. WXT still gives
 * every HTML page a module script for those plugins; in the popup it would only run them twice and cost one
 * more request through the browser's UI thread while the popup opens, so the build drops it there.
 *
 * Its stylesheet, popup-style.css (entrypoints/popup-style.css), is linked after the script: the browser
 * fetches it alongside the script, the script does not wait for it (it would for one in the head), and it
 * is parsed once the script has rendered, not inside the script. It used to be a string in the script:
 * 5 kB more for Chromium to load from its code cache before the script can start (issue #18). The popup
 * is shown once its page has loaded, stylesheet included, so it never shows unstyled.
 */
const POPUP_LOADS =
  /<script[^>]*\bsrc="\/popup-app\.js"[^>]*><\/script>\s*<link[^>]*\bhref="\/popup-style\.css"[^>]*>/;
const popupHtml: Plugin = {
  name: 'keyguard:popup-html',
  apply: 'build',
  transformIndexHtml: {
    order: 'post',
    handler(html, ctx) {
      if (ctx.path !== '/entrypoints/popup/index.html') return html;
      const out = html.replace(/\s*<script type="module"[^>]*_virtual_wxt-html-plugins[^>]*><\/script>/, '');
      const loads = out.match(/<script\b|<link\b[^>]*rel="(?:stylesheet|modulepreload)"/g) ?? [];
      if (out === html || loads.length !== 2 || !POPUP_LOADS.test(out) || /<script type="module"/.test(out)) {
        throw new Error(
          'popup.html: expected one classic script (popup-app.js), then its stylesheet (popup-style.css), and nothing else to load',
        );
      }
      return out;
    },
  },
};

/**
 * Least privilege: the required permissions are exactly those design.md lists. On-premise DocBits hosts
 * and the leak guard's all-sites access are optional and asked for when the user turns them on.
 */
export default defineConfig({
  srcDir: '.',
  entrypointsDir: 'entrypoints',
  outDir: '.output',
  imports: false,
  modules: ['@wxt-dev/webextension-polyfill'],
  manifestVersion: 3,
  // `npm run zip`: AMO's sources zip (the Firefox package is minified) holds what rebuilds it, not local
  // demo or test output.
  zip: {
    excludeSources: ['demo-output/**', 'test-results/**', '.e2e-tmp/**', 'docs/screenshots/**'],
  },
  hooks: {
    // The DocBits content script is size-budgeted (≤ 12 KB gzipped), and its controls (docbits-ui, injected
    // on demand) are loaded on the same page. There, `wxt/browser` (also used by WXT's own content-script
    // context) is the browser's native promise-based API instead of the polyfill, which would add ~3 KB and
    // change nothing for the calls made (see lib/page/native-browser.ts). The same for the popup's script
    // (popup-app), which is measured against a bare popup (issue #18): it calls runtime.sendMessage,
    // storage.{session,local}.get, i18n and tabs.create, all promise-based natively in both browsers, and
    // every kilobyte it parses before the list is shown counts.
    'vite:build:extendConfig': (entrypoints, config) => {
      const name = entrypoints.length === 1 ? entrypoints[0]?.name : undefined;
      if (name === 'popup-style') {
        // WXT means its CSS entrypoints to land at /<name>.css, but its library-mode asset names put them in
        // assets/; popup.html links /popup-style.css.
        const output = config.build?.rollupOptions?.output;
        if (!output || Array.isArray(output)) throw new Error('popup-style: unexpected build output options');
        output.assetFileNames = 'popup-style.css';
        return;
      }
      if (name !== 'docbits' && name !== 'docbits-ui' && name !== 'popup-app') return;
      const alias = config.resolve?.alias ?? {};
      const list = Array.isArray(alias)
        ? alias
        : Object.entries(alias).map(([find, replacement]) => ({ find, replacement: String(replacement) }));
      config.resolve = {
        ...config.resolve,
        alias: [{ find: /^wxt\/browser$/, replacement: resolve('lib/page/native-browser.ts') }, ...list],
      };
    },
  },
  vite: () => ({
    plugins: [popupHtml],
    esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
    build: {
      sourcemap: false,
      // Every browser KeyGuard supports has modulepreload (Chromium; Firefox ≥ 115, and the manifest asks
      // for 140). Without this, Vite gives popup.html — whose one script is the classic, self-contained
      // popup-app.js — a module script of its own just for the polyfill: one more request before the popup runs.
      modulePreload: { polyfill: false },
    },
  }),
  manifest: ({ browser }) => ({
    name: '__MSG_extName__',
    description: '__MSG_extDescription__',
    default_locale: 'en',
    // Chromium 120: offscreen documents, sender.documentId, matchOriginAsFallback for registered scripts,
    // URL.canParse. (Firefox's floor is strict_min_version below.)
    ...(browser === 'firefox' ? {} : { minimum_chrome_version: '120' }),
    permissions: [
      'storage',
      'alarms',
      'idle',
      'notifications',
      'clipboardWrite',
      'scripting',
      ...(browser === 'firefox' ? [] : ['offscreen']),
    ],
    host_permissions: ['https://app.docbits.com/*'],
    optional_host_permissions: ['https://*/*', 'http://*/*'],
    // The `keyguard` command line (issue 17): asked for when the user turns "Command line" on in the options.
    optional_permissions: ['nativeMessaging'],
    content_security_policy: {
      extension_pages: "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'",
    },
    // The manifest's `icons` come from public/icon/<size>.png (found by WXT); the toolbar uses the small ones.
    action: {
      default_title: '__MSG_extName__',
      default_icon: { 16: 'icon/16.png', 32: 'icon/32.png', 48: 'icon/48.png' },
    },
    browser_specific_settings:
      browser === 'firefox'
        ? {
            gecko: {
              id: 'keyguard-docbits@keyguard.invalid',
              // 140 (the ESR line) is the first Firefox with built-in data consent, which new add-ons must declare.
              strict_min_version: '140.0',
              // KeyGuard sends nothing anywhere.
              data_collection_permissions: { required: ['none'] },
            },
            gecko_android: { strict_min_version: '142.0' },
          }
        : undefined,
  }),
});

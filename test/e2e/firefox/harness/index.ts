/**
 * The KeyGuard e2e harness for Firefox: the same helpers by name as the Chromium one (test/e2e/harness),
 * over WebDriver BiDi with puppeteer-core. Servers (HTTPS, the DocBits site) and secrets are shared.
 */

export { buildCli, CLI_PATH, type CliRun, HASH_CHILD, sha, startCli } from '../../harness/cli.js';
export { startDocbitsSite, startVariantSite } from '../../harness/docbits-site.js';
export {
  createSelfSignedCertificate,
  DOCBITS_HOST,
  type HttpsServer,
  startHttpsServer,
} from '../../harness/https-server.js';
export { type Reply, unwrap } from '../../harness/messages.js';
export { pollUntil } from '../../harness/notifications.js';
export { describeScan, scanProfileForSecrets } from '../../harness/secrets.js';
export { makeTempDir, removeDir } from '../../harness/tmp.js';
export {
  bySelector,
  type FindOptions,
  type FxElement,
  findByName,
  keyguardMessages,
  queryAllByName,
} from './a11y.js';
export {
  addonConsoleProblems,
  type BackgroundState,
  backgroundState,
  stopBackground,
  waitForBackground,
} from './background.js';
export {
  bidi,
  callFunction,
  clickNode,
  contextOf,
  evaluateChrome,
  navigate,
  plain,
  setFiles,
  typeText,
} from './bidi.js';
export {
  becomes,
  control,
  createKeyInDocbits,
  docbitsRecord,
  findInRow,
  finishShowOnce,
  idle,
  isShown,
  KEYGUARD_HOST,
  LEGACY_INPUT,
  maskBeforePaint,
  rowAnnotations,
  SHOW_ONCE_CODE,
  textSecurity,
  waitOpaque,
  watchMaskBeforePaint,
} from './docbits.js';
export {
  DEFAULT_FIREFOX_PATH,
  EXTENSION_UUID,
  type FirefoxPrefOptions,
  firefoxPrefs,
  GECKO_ID,
  resolveFirefoxPath,
} from './firefox.js';
export { type ExtensionBrowser, firefoxExtensionDir, type LaunchOptions, launchExtension } from './launch.js';
export {
  call,
  clipboardBecomes,
  openExtensionPage,
  openOptions,
  openPopup,
  openUrl,
  readClipboard,
  sendMessage,
  writeClipboard,
} from './pages.js';
export { addEntry, createVaultInPopup, PASSWORD, unlockInPopup } from './vault.js';

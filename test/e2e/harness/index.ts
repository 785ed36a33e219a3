/**
 * The KeyGuard e2e harness: launch Chromium with the built extension, serve pages under real DocBits host
 * names over HTTPS, drive extension pages, find controls in closed shadow roots, read the clipboard, stop
 * the service worker, and scan a profile for leaked secrets.
 */
export { type AxElement, cdpSession, type FindOptions, findByName, queryAllByName } from './a11y.js';
export { DEFAULT_CHROMIUM_PATH, extensionArgs, resolveChromiumPath } from './chromium.js';
export { readClipboard, writeClipboard } from './clipboard.js';
export { startDocbitsSite, startVariantSite } from './docbits-site.js';
export {
  type ArmingRecord,
  addQuasarLayers,
  DECOY_RGB,
  type DecoyOptions,
  drawDecoy,
  isDecoyColour,
  namesMatching,
  pixelAt,
  quasarLayersScript,
  removeDecoy,
  watchArming,
} from './hostile.js';
export {
  createSelfSignedCertificate,
  DOCBITS_HOST,
  type HttpsServer,
  type HttpsServerOptions,
  type Route,
  type RouteResponse,
  type SeenRequest,
  startHttpsServer,
} from './https-server.js';
export { type ExtensionBrowser, type LaunchOptions, launchExtension } from './launch.js';
export { call, type Reply, sendMessage, unwrap } from './messages.js';
export { clearNotifications, pollUntil, shownNotifications } from './notifications.js';
export {
  type BusyRunResult,
  busyPageRun,
  type MaskProbeResult,
  maskBeforeFrame,
} from './page-probes.js';
export { openExtensionPage, openOptions, openPopup } from './pages.js';
export { assertBuilt, diagnoseBuild, extensionDir, repoRoot } from './paths.js';
export {
  alignedBase64,
  describeScan,
  MIN_SECRET_LENGTH,
  randomSecrets,
  type SecretEncoding,
  type SecretScanResult,
  scanProfileForSecrets,
  secretPatterns,
  type TestSecret,
} from './secrets.js';
export {
  type RunningStatus,
  restartServiceWorker,
  serviceWorkerStatus,
  stopServiceWorker,
  waitForServiceWorkerRunning,
} from './service-worker.js';
export { makeTempDir, removeDir, removeTempDirs } from './tmp.js';

import { t } from '../lib/i18n';
import type { FileProblem } from '../lib/messages';
import { isProtocolError } from '../lib/send';

/** Maps a background error to a sentence for the user; never echoes input. */
export function describeError(e: unknown): string {
  if (isProtocolError(e)) {
    if (e.code === 'bad-password') return t('wrongPassword');
    if (e.code === 'backoff') return t('retryIn', Math.ceil((e.retryAfterMs ?? 0) / 1000));
    if (e.file) return describeFileProblem(e.file);
    if (e.code === 'locked') return t('errLocked');
    if (e.code === 'not-found') return t('errNotFound');
    if (e.code === 'no-vault') return t('errNoVault');
    if (e.code === 'corrupt') return t('errCorrupt');
    return t('errorGeneric', e.message);
  }
  return t('errorGeneric', e instanceof Error ? e.message : String(e));
}

/** An export file's refusal in the user's language (the reply's own message is English). */
function describeFileProblem(file: FileProblem): string {
  switch (file.problem) {
    case 'too-large':
      return t('backupFileTooLarge');
    case 'not-json':
      return t('backupFileNotJson');
    case 'not-export':
      return t('backupFileNotExport');
    case 'version':
      return t('backupFileVersion');
    case 'malformed':
      return t('backupFileMalformed');
    case 'kdf':
      return t('backupFileKdf');
    case 'password':
      return t('backupFileNoPassword');
    case 'entries':
      return file.key ? t('backupFileKey', file.key) : t('backupFileKeys');
    default:
      return t('backupFileMalformed');
  }
}

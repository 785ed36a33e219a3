/**
 * Backups: export the vault to a password-protected file, and preview and apply an import of one. A bad
 * file is refused with its problem named, and nothing is written.
 */

import { applyImport, createExport, ExportError, planImport, readExport } from '../../vault/export';
import type { Entry } from '../../vault/model';
import { MIN_PASSWORD_LENGTH } from '../../vault/password';
import { VaultError } from '../../vault/service';
import { type Handlers, RequestError } from '../router';
import type { HandlerDeps } from './deps';
import { originOf, type Shared, toSummary } from './shared';

type BackupMessage = 'vault.export' | 'vault.importApply' | 'vault.importPreview';

/** An export file refused: the English message, and the problem for the options page to put into words. */
function fileRefusal(e: ExportError): RequestError {
  return new RequestError('invalid', e.message, { problem: e.code, ...(e.key ? { key: e.key } : {}) });
}

export function backupHandlers(
  deps: Pick<HandlerDeps, 'vault'>,
  { now, record, refreshGuard }: Pick<Shared, 'now' | 'record' | 'refreshGuard'>,
): Pick<Handlers, BackupMessage> {
  const { vault } = deps;

  /** Reads and plans an import; a bad file becomes a clear refusal and nothing is written. */
  async function planFrom(file: string, password: string) {
    let incoming: Entry[];
    try {
      incoming = await readExport(file, password);
    } catch (e) {
      if (e instanceof ExportError) {
        if (e.code === 'password') throw new VaultError('bad-password', e.message);
        throw fileRefusal(e);
      }
      throw e;
    }
    return planImport(await vault.exportEntries(), incoming);
  }

  return {
    'vault.export': async ({ password, separate }, ctx) => {
      // With the master password, check it first: a typo would make a backup nobody can open.
      if (!separate) await vault.checkPassword(password);
      // A separate password protects the same keys: the master password's minimum applies, here and not
      // only in the form (issue 15, finding 5). Code points, as the vault counts them.
      else if ([...password].length < MIN_PASSWORD_LENGTH) {
        throw new RequestError(
          'invalid',
          `The export password must be at least ${MIN_PASSWORD_LENGTH} characters`,
        );
      }
      const entries = await vault.exportEntries();
      try {
        const file = await createExport(entries, password);
        await record({
          type: 'vault.exported',
          origin: originOf(ctx),
          detail: `${entries.length} entries, ${separate ? 'separate' : 'master'} password`,
        });
        return { file, count: entries.length };
      } catch (e) {
        if (e instanceof ExportError) throw fileRefusal(e);
        throw e;
      }
    },
    'vault.importApply': async ({ file, password, conflicts }, ctx) => {
      const { add, replace } = applyImport(await planFrom(file, password), { conflicts }, { now: now() });
      await vault.importEntries(add, replace);
      await record({
        type: 'vault.imported',
        origin: originOf(ctx),
        detail: `${add.length} added, ${replace.length} replaced (conflicts: ${conflicts})`,
      });
      await refreshGuard();
      return { added: add.length, replaced: replace.length };
    },
    'vault.importPreview': async ({ file, password }) => {
      const plan = await planFrom(file, password);
      return {
        added: plan.added.map(toSummary),
        identical: plan.identical.length,
        conflicts: plan.conflicts.map((c) => ({
          incoming: toSummary(c.incoming),
          existingId: c.existingId,
          reason: c.reason,
        })),
      };
    },
  };
}

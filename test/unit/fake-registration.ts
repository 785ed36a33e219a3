/** A fake of the scripting and permissions APIs that content-script registration uses (lib/background/registration). */
import type { RegisteredScript, RegistrationDeps } from '../../lib/background/registration';

/** `granted` says whether the browser holds the asked-for origins; `scripts` is what is registered now. */
export function fakeRegistration(granted: (origins: string[]) => boolean): {
  readonly scripts: RegisteredScript[];
  deps: RegistrationDeps;
} {
  let scripts: RegisteredScript[] = [];
  return {
    get scripts() {
      return scripts;
    },
    deps: {
      permissions: { contains: async (p: { origins: string[] }) => granted(p.origins) },
      scripting: {
        getRegisteredContentScripts: async (f?: { ids?: string[] }) =>
          scripts.filter((s) => !f?.ids || f.ids.includes(s.id)),
        registerContentScripts: async (s: RegisteredScript[]) => {
          if (s.some((x) => scripts.some((y) => y.id === x.id))) throw new Error('duplicate id');
          scripts = [...scripts, ...s];
        },
        updateContentScripts: async (s: RegisteredScript[]) => {
          scripts = scripts.map((y) => s.find((x) => x.id === y.id) ?? y);
        },
        unregisterContentScripts: async (f?: { ids?: string[] }) => {
          scripts = scripts.filter((s) => f?.ids && !f.ids.includes(s.id));
        },
      },
    },
  };
}

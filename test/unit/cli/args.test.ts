import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../../cli/lib/args';
import { parseEnvFile, parseEnvOption } from '../../../cli/lib/envfile';
import { CliFailure, EXIT, failureOf } from '../../../cli/lib/errors';

const usageOf = (argv: string[]) => {
  try {
    parseArgs(argv);
  } catch (e) {
    return e instanceof CliFailure ? e.exitCode : 'other';
  }
  return 'parsed';
};

describe('keyguard arguments', () => {
  it('run: --env and --env-file in any form, the command after -- or at the first non-option', () => {
    expect(
      parseArgs(['run', '--env', 'TOKEN=Invoice sync (ERP)', '--env-file=.env', '--', 'npm', 'start']),
    ).toEqual({
      cmd: 'run',
      env: [['TOKEN', { kind: 'ref', ref: 'Invoice sync (ERP)' }]],
      envFiles: ['.env'],
      argv: ['npm', 'start'],
    });
    const c = parseArgs(['run', '--env=A=keyguard:abc-1', 'node', '--inspect', 'x.js']);
    expect(c).toMatchObject({
      env: [['A', { kind: 'ref', ref: 'abc-1' }]],
      argv: ['node', '--inspect', 'x.js'],
    });
    // Options of the child after -- are the child's.
    expect(parseArgs(['run', '--', 'ls', '--help'])).toMatchObject({ cmd: 'run', argv: ['ls', '--help'] });
  });

  it('refuses what it cannot read with the usage exit code', () => {
    for (const argv of [
      ['run'],
      ['run', '--env'],
      ['run', '--env', 'lower-case=x', '--', 'ls'],
      ['run', '--env', 'A=', '--', 'ls'],
      ['run', '--bogus', '--', 'ls'],
      ['get'],
      ['get', 'a', 'b'],
      ['scan', '--staged', 'x'],
      ['hook'],
      ['install', '--extension-id', 'not-an-id'],
      ['frobnicate'],
    ]) {
      expect(usageOf(argv), argv.join(' ')).toBe(EXIT.usage);
    }
  });

  it('help for every command', () => {
    expect(parseArgs([])).toEqual({ cmd: 'help', topic: null });
    expect(parseArgs(['scan', '--help'])).toEqual({ cmd: 'help', topic: 'scan' });
    expect(parseArgs(['run', '--help'])).toEqual({ cmd: 'help', topic: 'run' });
    expect(parseArgs(['help', 'get'])).toEqual({ cmd: 'help', topic: 'get' });
  });

  it('maps the extension refusals to distinct exit codes and messages', () => {
    expect(failureOf('locked', '').exitCode).toBe(EXIT.locked);
    expect(failureOf('denied', 'closed').exitCode).toBe(EXIT.denied);
    expect(failureOf('not-found', 'No vault entry is named "x"').exitCode).toBe(EXIT.notFound);
    const amb = failureOf('ambiguous', '2 vault entries are named "x"', ['id-1', 'id-2']);
    expect(amb.exitCode).toBe(EXIT.ambiguous);
    expect(amb.message).toContain('id-1, id-2');
    expect(failureOf('flood', 'too many').exitCode).toBe(EXIT.refused);
  });
});

describe('env files', () => {
  it('reads references and passes other values through', () => {
    const parsed = parseEnvFile(
      [
        '# the integration',
        'export DOCBITS_KEY=keyguard:Invoice sync (ERP)',
        'DOCBITS_URL=https://app.docbits.com # the host',
        "QUOTED='keyguard:not a ref? yes it is'",
        'ESCAPED="a\\nb"',
        '',
        'EMPTY=',
      ].join('\n'),
    );
    expect(parsed).toEqual([
      ['DOCBITS_KEY', { kind: 'ref', ref: 'Invoice sync (ERP)' }],
      ['DOCBITS_URL', { kind: 'plain', value: 'https://app.docbits.com' }],
      ['QUOTED', { kind: 'ref', ref: 'not a ref? yes it is' }],
      ['ESCAPED', { kind: 'plain', value: 'a\nb' }],
      ['EMPTY', { kind: 'plain', value: '' }],
    ]);
  });

  it('names the line of a mistake, never its value', () => {
    expect(() => parseEnvFile('A=1\nnot a line with secret-value\n')).toThrow(
      /^line 2: expected NAME=value$/,
    );
    expect(() => parseEnvFile('A="open')).toThrow(/line 1/);
    expect(() => parseEnvFile('A=keyguard:')).toThrow(/needs an entry/);
    expect(parseEnvOption('X=keyguard:abc')).toEqual(['X', { kind: 'ref', ref: 'abc' }]);
  });
});

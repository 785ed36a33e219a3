// @vitest-environment happy-dom
/**
 * The readers by meaning over hand-written markups the generated variants do not make: organisation ids in
 * text of every shape, ARIA grids with wrapped cells, dialogs that are not create dialogs, and expirations
 * in each language's words and date formats.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { expiryOf, labelOf, readCreateDialogValues, readOrgId } from '../../../lib/page/detect';
import { readKeyCells, readKeyTable } from '../../../lib/page/table';
import { langOf, meaningOf } from '../../../lib/page/text';

const ORG = '3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b';
const SUB = '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d';
const DAY = 86_400_000;
const NOW = new Date(2026, 5, 1, 12, 0).getTime();

beforeEach(() => {
  document.body.innerHTML = '';
});

describe('readOrgId: ids as text', () => {
  it.each([
    ['one line', `<p>Organisations-ID: ${ORG}</p><p>Unterorganisations-ID: ${SUB}</p>`],
    ['sub-org first, one paragraph', `<p>Sub Org ID: ${SUB} · Org ID: ${ORG}</p>`],
    [
      'a definition list',
      `<dl><dt>Sous-organisation</dt><dd>${SUB}</dd><dt>ID de l'organisation</dt><dd>${ORG}</dd></dl>`,
    ],
    [
      'a table',
      `<table><tr><th>ID sotto-organizzazione</th><td>${SUB}</td></tr><tr><th>ID organizzazione</th><td><code>${ORG}</code></td></tr></table>`,
    ],
    [
      'a caption span and a value span',
      `<div><span>ID de suborganización</span> <b>${SUB}</b></div><div><span>ID de organización</span> <b>${ORG}</b></div>`,
    ],
    [
      'aria-label on the value',
      `<span aria-label="Suborganisatie-ID">${SUB}</span><span aria-label="Organisatie-ID">${ORG}</span>`,
    ],
    ['without dashes', `<p>Tenant ID: ${ORG.replace(/-/g, '')}</p>`],
  ])('%s', (_, html) => {
    document.body.innerHTML = html;
    expect(readOrgId(document)?.replace(/-/g, '')).toBe(ORG.replace(/-/g, ''));
  });

  it('never takes the sub-organisation id, an unlabelled UUID, a key or a UUID in a longer token', () => {
    document.body.innerHTML = `<p>Unterorganisations-ID: ${SUB}</p><p>${ORG}</p>
      <div class="key-display"><code>${ORG}</code></div><p>API key for the org: ${ORG}</p>
      <p>Organisation: x${ORG}y</p>`;
    expect(readOrgId(document)).toBeNull();
  });

  it('labelled fields win over text, and are read by any kind of label', () => {
    document.body.innerHTML = `<p>Org ID: ${SUB}</p><label>Sub Org ID <input value="${ORG}"></label>`;
    expect(readOrgId(document)).toBe(SUB); // the text, as the field is the sub-org's
    document.body.innerHTML = `<span id="l">Organisation ID</span><input aria-labelledby="l" value="${ORG}">
      <p>Org ID: ${SUB}</p>`;
    expect(readOrgId(document)).toBe(ORG);
    document.body.innerHTML = `<div class="q-field"><input value="${ORG}"><div class="q-field__label">Organisation</div></div>`;
    expect(readOrgId(document)).toBe(ORG);
  });
});

describe('readKeyTable: ARIA grids', () => {
  const grid = (cellRole: string, wrap: boolean) => {
    const cell = (c: string) =>
      wrap ? `<div class="w"><div role="${cellRole}">${c}</div></div>` : `<div role="${cellRole}">${c}</div>`;
    return `<div role="grid"><div role="rowgroup"><div role="row">
        <div role="columnheader">Status</div><div role="columnheader">Präfix</div><div role="columnheader">Bezeichnung</div>
        <div role="columnheader">Letzte Nutzung</div><div role="columnheader">Gültig bis</div></div></div>
      <div role="rowgroup"><div role="row">${cell('Widerrufen')}${cell('<code class="key-prefix">dbk_Zz99****</code>')}${cell('CI')}${cell('Nie verwendet')}${cell('09.03.2027')}</div></div></div>`;
  };

  it.each([
    ['gridcell', false],
    ['cell', true],
  ])('finds columns by their German headers (%s, wrapped %s)', (role, wrap) => {
    document.body.innerHTML = grid(role, wrap);
    const [row] = readKeyTable(document);
    expect(row && { ...row, row: undefined, keyCell: undefined }).toEqual({
      prefix: 'dbk_Zz99',
      name: 'CI',
      expiresAt: new Date(2027, 2, 9).getTime(),
      lastUsedAt: null,
      status: 'revoked',
      row: undefined,
      keyCell: undefined,
    });
    expect(readKeyCells(document)[0]?.lang).toBe('de');
    expect(row?.row.getAttribute('role')).toBe('row');
  });

  it('reads "Actif" and "Activa" as active', () => {
    document.body.innerHTML = `<table><thead><tr><th>Clé</th><th>Nom</th><th>Expire le</th><th>Dernière utilisation</th><th>Statut</th></tr></thead>
      <tbody><tr><td><code class="key-prefix">abc****</code></td><td>A</td><td>9 mars 2027</td><td>—</td><td>Actif</td></tr></tbody></table>`;
    expect(readKeyTable(document).map((r) => [r.status, r.expiresAt])).toEqual([
      ['active', new Date(2027, 2, 9).getTime()],
    ]);
  });
});

describe('create dialog: containers and fail-safe', () => {
  const form = `<div class="text-h6">Create API key</div><input type="text" aria-label="Key Name" value="ERP">
    <textarea aria-label="Description"></textarea><select aria-label="Expiration"><option>30 days</option></select>`;

  it.each([
    ['role=dialog', `<div role="dialog">${form}</div>`],
    ['role=alertdialog', `<div role="alertdialog">${form}</div>`],
    ['aria-modal', `<div aria-modal="true">${form}</div>`],
    ['<dialog open>', `<dialog open>${form}</dialog>`],
    ['div.q-dialog', `<div class="q-dialog">${form}</div>`],
    ['.q-card in a portal', `<div id="q-portal--dialog--3"><div class="q-card">${form}</div></div>`],
  ])('finds it in %s', (_, html) => {
    document.body.innerHTML = html;
    expect(readCreateDialogValues(document, NOW)).toEqual({ name: 'ERP', expiresAt: NOW + 30 * DAY });
  });

  it.each([
    ['a closed <dialog>', `<dialog>${form}</dialog>`],
    ['a hidden dialog', `<div role="dialog" hidden>${form}</div>`],
    ['a card on the page (no portal)', `<div class="q-card">${form}</div>`],
    [
      'a dialog that does not mention an API key',
      `<div role="dialog">${form.replace('API key', 'user')}</div>`,
    ],
    ['the show-once dialog', `<div role="dialog">${form}<div class="key-display"><code>k</code></div></div>`],
    ['an edit dialog (no expiration)', `<div role="dialog">${form.replace(/<select.*<\/select>/, '')}</div>`],
    ['no dialog at all', form],
  ])('changes nothing for %s', (_, html) => {
    document.body.innerHTML = html;
    expect(readCreateDialogValues(document, NOW)).toEqual({});
  });

  it('says which fields it could not read', () => {
    document.body.innerHTML = `<div role="dialog"><h2>API-Schlüssel erstellen</h2><input type="text" aria-label="Bezeichnung">
      <select aria-label="Ablauf"><option>Benutzerdefiniert</option></select></div>`;
    expect(readCreateDialogValues(document, NOW)).toEqual({ unread: ['name', 'description', 'expiresAt'] });
  });

  it('takes a custom date over the choice that offers it, and reads a date in the page language', () => {
    document.body.innerHTML = `<div role="dialog"><h2>Crea chiave API</h2><input placeholder="Nome" value="x">
      <select aria-label="Scadenza"><option>Data personalizzata</option></select><input aria-label="Data di scadenza" value="03/04/2027"></div>`;
    expect(readCreateDialogValues(document, NOW).expiresAt).toBe(new Date(2027, 3, 3, 23, 59, 59).getTime());
  });

  it('labels: the first source that has one; a wrapping label without the control text', () => {
    document.body.innerHTML = `<span id="a">Vervaldatum</span><label>Naam <select id="s" aria-labelledby="a"><option>Nooit</option></select></label>
      <label>Beschrijving <select id="t"><option>Nooit</option></select></label><div><span>Sleutelnaam</span><input id="u"></div>`;
    const $ = (id: string) => document.getElementById(id) as Element;
    expect([labelOf($('s')), labelOf($('t')), labelOf($('u'))]).toEqual([
      'vervaldatum',
      'beschrijving',
      'sleutelnaam',
    ]);
  });
});

describe('words', () => {
  it.each([
    ['Key Name', 'name'],
    ['Schlüsselname', 'name'],
    ['Bezeichnung', 'name'],
    ['Sleutelnaam', 'name'],
    ['Nom de la clé', 'name'],
    ['Nombre', 'name'],
    ['Nome della chiave', 'name'],
    ['Beschreibung', 'description'],
    ['Omschrijving', 'description'],
    ['Beschrijving', 'description'],
    ['Descripción', 'description'],
    ['Descrizione', 'description'],
    ['Expiration', 'expires'],
    ['Expires', 'expires'],
    ['Ablauf', 'expires'],
    ['Gültig bis', 'expires'],
    ['Verloopt', 'expires'],
    ['Vervaldatum', 'expires'],
    ['Expire le', 'expires'],
    ['Caducidad', 'expires'],
    ['Vencimiento', 'expires'],
    ['Scadenza', 'expires'],
    ['Zuletzt verwendet', 'lastUsed'],
    ['Último uso', 'lastUsed'],
    ['Statut', 'status'],
    ['Schlüssel', undefined],
  ])('%s means %s', (label, meaning) => {
    expect(
      meaningOf(
        label
          .normalize('NFD')
          .replace(/[\u0300-\u036f]/g, '')
          .toLowerCase(),
      ),
    ).toBe(meaning);
  });

  it.each([
    ['Never', null],
    ['Läuft nie ab', null],
    ['Kein Ablauf', null],
    ['Geen vervaldatum', null],
    ['Sans expiration', null],
    ['Sin caducidad', null],
    ['Nessuna scadenza', null],
    ['90 Tage', NOW + 90 * DAY],
    ['3 Monate', NOW + 90 * DAY],
    ['1 año', NOW + 365 * DAY],
    ['2 settimane', NOW + 14 * DAY],
    ['6 maanden', NOW + 180 * DAY],
    ['Eigenes Datum', undefined],
    ['', undefined],
  ])('expiryOf(%s)', (text, at) => {
    expect(expiryOf(text, NOW)).toBe(at);
  });

  it('dates in each language end at the end of that local day', () => {
    const end = new Date(2027, 2, 9, 23, 59, 59).getTime();
    for (const [text, lang] of [
      ['2027-03-09', undefined],
      ['3/9/2027', 'en'],
      ['09.03.2027', 'de'],
      ['9-3-2027', 'nl'],
      ['09/03/2027', 'fr'],
      ['9/3/2027', 'es'],
      ['9 mar 2027', 'it'],
      ['9. März 2027', undefined],
    ] as const)
      expect(expiryOf(text, NOW, lang), text).toBe(end);
  });

  it('tells the language from the key phrase and headers', () => {
    expect(
      [
        'api-schlussel erstellen',
        'api-sleutel aanmaken',
        'creer une cle api',
        'crear clave api',
        'crea chiave api',
        'create api key',
      ].map(langOf),
    ).toEqual(['de', 'nl', 'fr', 'es', 'it', 'en']);
  });
});

describe('the markup of issue 13', () => {
  it('reads a div.q-dialog without role, a one-line description, a native select, German labels, and "Organisations-ID: <uuid>" as text', () => {
    document.body.innerHTML = `<main><div class="q-card"><div class="text-h6">Organisation</div>
        <div>Unterorganisations-ID: ${SUB}</div><div>Organisations-ID: ${ORG}</div></div></main>
      <div id="q-portal--dialog--1"><div class="q-dialog"><div class="q-dialog__inner"><div class="q-card">
        <div class="text-h6">API-Schlüssel erstellen</div>
        <label class="q-field"><div class="q-field__control"><input class="q-field__native" type="text" value="ERP-Export"><div class="q-field__label">Schlüsselname</div></div></label>
        <label class="q-field"><div class="q-field__control"><input class="q-field__native" type="text" value="Nächtlicher Export"><div class="q-field__label">Beschreibung</div></div></label>
        <label>Ablauf <select><option>Nie</option><option selected>90 Tage</option></select></label>
      </div></div></div></div>`;
    expect(readCreateDialogValues(document, NOW)).toEqual({
      name: 'ERP-Export',
      description: 'Nächtlicher Export',
      expiresAt: NOW + 90 * DAY,
    });
    expect(readOrgId(document)).toBe(ORG);
  });
});

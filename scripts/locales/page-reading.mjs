// Strings of the DocBits page's save form about what KeyGuard could read from the page (issue 13).
export const MESSAGES = {
  prefillUnread: {
    description:
      'Save form: the fields KeyGuard could not prefill from the DocBits page ($FIELDS$: a comma-separated list of field labels)',
    en: 'KeyGuard could not read these from the DocBits page — please fill them in: $FIELDS$',
    de: 'KeyGuard konnte dies nicht von der DocBits-Seite lesen – bitte selbst ausfüllen: $FIELDS$',
    nl: 'KeyGuard kon dit niet van de DocBits-pagina lezen — vul het zelf in: $FIELDS$',
    fr: 'KeyGuard n’a pas pu lire ces champs sur la page DocBits — veuillez les remplir : $FIELDS$',
    es: 'KeyGuard no pudo leer estos datos de la página de DocBits; rellénelos usted: $FIELDS$',
    it: 'KeyGuard non è riuscito a leggere questi dati dalla pagina DocBits: compilali tu: $FIELDS$',
  },
  prefillFieldExpiry: {
    description: 'Save form: the expiry field, as named in the list of fields that could not be prefilled',
    en: 'Expires',
    de: 'Läuft ab',
    nl: 'Verloopt',
    fr: 'Expire',
    es: 'Caduca',
    it: 'Scade',
  },
};

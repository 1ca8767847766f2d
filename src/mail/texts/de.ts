import { code, PRODUCT, strong } from '../mail-blocks.js';
import type { MailTexts } from './mail-texts.js';

/** German, formal address ("Sie"), as the portal the service replaces spoke to its users. */
export const DE: MailTexts = {
  greeting: 'Hallo,',
  footer: `Gesendet von ${PRODUCT}.`,
  requestIdLabel: 'Anfrage-ID',
  pageLink:
    'Auf der Seite Ihrer Anfrage sehen Sie den Stand und den Verlauf und können, wenn möglich, verlängern oder widerrufen:',
  reasonLabel: 'Begründung:',
  noReason: 'Es wurde keine Begründung angegeben.',
  approval: {
    subject: (model) => `API-Schlüssel für ${model} genehmigt`,
    heading: 'Ihr API-Schlüssel ist bereit',
    statement: (model) => [
      'Ihre Anfrage nach einem API-Schlüssel für das Modell ',
      strong(model),
      ' wurde genehmigt.',
    ],
    keyLabel: 'Ihr API-Schlüssel:',
    expiresOn: (moment) => `Er läuft am ${moment} ab.`,
    gatewayLabel: 'Gateway-URL:',
    safety:
      'Behandeln Sie diesen Schlüssel wie ein Passwort: Geben Sie ihn nicht weiter, fügen Sie ihn nicht in ' +
      'Chatnachrichten oder Support-Anfragen ein und checken Sie ihn nicht in eine Versionsverwaltung ein. ' +
      'Bewahren Sie ihn in einer Umgebungsvariablen oder einem Passwort-Tresor auf. Falls er bekannt wird, ' +
      'lassen Sie ihn von Ihrer Administration widerrufen.',
    usage:
      'Verwendung: Exportieren Sie den Schlüssel einmal und rufen Sie dann die OpenAI-kompatible API des Gateways auf.',
    withCurl: 'Mit curl:',
    withPython: 'Mit dem OpenAI-SDK für Python:',
    samplePrompt: 'Hallo!',
  },
  extension: {
    heading: 'Ihr API-Schlüssel wurde verlängert',
    statement: (model, until, keyHint) => [
      'Ihre Verlängerung für das Modell ',
      strong(model),
      ' wurde genehmigt: Ihr API-Schlüssel',
      ...(keyHint === null ? [] : [' mit der Endung ', code(keyHint)]),
      ...(until === null
        ? [' wurde verlängert und läuft nicht mehr ab.']
        : [' gilt jetzt bis zum ', strong(until), '.']),
    ],
    keepUsing:
      'Verwenden Sie einfach weiter den Schlüssel, den Sie bereits haben. Aus Sicherheitsgründen steht er nicht in dieser Nachricht.',
  },
  denial: {
    subject: (model) => `Anfrage nach API-Schlüssel für ${model} abgelehnt`,
    heading: 'Anfrage abgelehnt',
    statement: (model) => [
      'Ihre Anfrage nach einem API-Schlüssel für das Modell ',
      strong(model),
      ' wurde abgelehnt.',
    ],
    closing: 'Wenn Sie das für einen Irrtum halten, wenden Sie sich an Ihre Administration.',
  },
  revocation: {
    subject: (model) => `API-Schlüssel für ${model} widerrufen`,
    heading: 'API-Schlüssel widerrufen',
    statement: (model) => [
      'Ihr API-Schlüssel für das Modell ',
      strong(model),
      ' wurde widerrufen und funktioniert nicht mehr.',
    ],
    closing: 'Bei Fragen wenden Sie sich an Ihre Administration.',
  },
  reminder: {
    subject: (model, day) => `Ihr API-Schlüssel für ${model} läuft am ${day} ab`,
    heading: 'Ihr API-Schlüssel läuft bald ab',
    statement: (model, moment) => [
      'Ihr API-Schlüssel für das Modell ',
      strong(model),
      ' läuft am ',
      strong(moment),
      ' ab.',
    ],
    renewHere: 'Um ihn weiter zu verwenden, verlängern Sie ihn hier:',
    explain:
      'Eine Verlängerung wird erneut geprüft; nach der Genehmigung funktioniert Ihr Schlüssel mit einem neuen Ablaufdatum weiter.',
  },
  link: {
    subject: (model) => `Ihre Anfrage nach einem API-Schlüssel für ${model}`,
    heading: 'Ihre Anfrage',
    statement: (model) => [
      'Für diese Adresse wurde erneut ein API-Schlüssel für das Modell ',
      strong(model),
      ' angefragt. Dafür gibt es bereits eine Anfrage, deshalb wurde keine neue angelegt.',
    ],
    linkHere: 'Ihre Anfrage finden Sie hier:',
    explain:
      'Dort sehen Sie ihren Stand und können sie, wenn möglich, verlängern oder den Schlüssel widerrufen.',
    notYou: 'Falls Sie das nicht waren, können Sie diese Nachricht ignorieren.',
  },
};

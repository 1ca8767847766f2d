import { code, PRODUCT, strong } from '../mail-blocks.js';
import type { MailTexts } from './mail-texts.js';

/** English. The subjects of approval, denial and revocation are the contract of docs/design.md
 * ("Mails") and must not change. */
export const EN: MailTexts = {
  greeting: 'Hello,',
  footer: `Sent by ${PRODUCT}.`,
  requestIdLabel: 'Request ID',
  pageLink:
    "Your request's page shows its status and history, and lets you renew or revoke when that is possible:",
  reasonLabel: 'Reason:',
  noReason: 'No reason was given.',
  approval: {
    subject: (model) => `API Key Approved for ${model}`,
    heading: 'Your API key is ready',
    statement: (model) => [
      'Your request for an API key for the model ',
      strong(model),
      ' has been approved.',
    ],
    keyLabel: 'Your API key:',
    expiresOn: (moment) => `It expires on ${moment}.`,
    gatewayLabel: 'Gateway URL:',
    safety:
      'Keep this key secret, like a password: do not share it, paste it into chats or tickets, or commit it ' +
      'to a repository. Store it in an environment variable or a secret manager. If it leaks, ask an ' +
      'administrator to revoke it.',
    usage: 'Usage: export the key once, then call the OpenAI-compatible API of the gateway.',
    withCurl: 'With curl:',
    withPython: 'With the OpenAI Python SDK:',
    samplePrompt: 'Hello!',
  },
  extension: {
    heading: 'Your API key was extended',
    statement: (model, until, keyHint) => [
      'Your renewal for the model ',
      strong(model),
      ' has been approved: your API key',
      ...(keyHint === null ? [] : [' ending in ', code(keyHint)]),
      ...(until === null
        ? [' was extended and no longer expires.']
        : [' was extended until ', strong(until), '.']),
    ],
    keepUsing: 'Keep using the key you already have. For your safety, this mail does not repeat it.',
  },
  denial: {
    subject: (model) => `API Key Request Denied for ${model}`,
    heading: 'API key request denied',
    statement: (model) => ['Your request for an API key for the model ', strong(model), ' has been denied.'],
    closing: 'If you think this is a mistake, contact your administrator.',
  },
  revocation: {
    subject: (model) => `API Key Revoked for ${model}`,
    heading: 'API key revoked',
    statement: (model) => [
      'Your API key for the model ',
      strong(model),
      ' has been revoked and no longer works.',
    ],
    closing: 'Contact your administrator if you have questions.',
  },
  reminder: {
    subject: (model, day) => `Your API key for ${model} expires on ${day}`,
    heading: 'Your API key expires soon',
    statement: (model, moment) => [
      'Your API key for the model ',
      strong(model),
      ' expires on ',
      strong(moment),
      '.',
    ],
    renewHere: 'To keep using it, renew it here:',
    explain:
      'A renewal goes through approval again; once it is approved, your key keeps working with a new expiry date.',
  },
  link: {
    subject: (model) => `Your API key request for ${model}`,
    heading: 'Your request',
    statement: (model) => [
      'An API key for the model ',
      strong(model),
      ' was requested again for this address. There is already a request for it, so no new one was made.',
    ],
    linkHere: 'Here is the link to your request:',
    explain: 'On that page you can see its status and, when possible, renew it or revoke the key.',
    notYou: 'If this was not you, you can ignore this mail.',
  },
};

import { code, PRODUCT, strong } from '../mail-blocks.js';
import type { MailTexts } from './mail-texts.js';

/** Spanish, formal address ("usted"). */
export const ES: MailTexts = {
  greeting: 'Hola:',
  footer: `Enviado por ${PRODUCT}.`,
  requestIdLabel: 'ID de solicitud',
  pageLink:
    'En la página de su solicitud verá su estado y su historial y, cuando sea posible, podrá renovarla o revocar la clave:',
  reasonLabel: 'Motivo:',
  noReason: 'No se indicó ningún motivo.',
  approval: {
    subject: (model) => `Clave de API aprobada para ${model}`,
    heading: 'Su clave de API está lista',
    statement: (model) => [
      'Su solicitud de una clave de API para el modelo ',
      strong(model),
      ' ha sido aprobada.',
    ],
    keyLabel: 'Su clave de API:',
    expiresOn: (moment) => `Caduca el ${moment}.`,
    gatewayLabel: 'URL de la pasarela:',
    safety:
      'Guarde esta clave en secreto, como una contraseña: no la comparta, no la pegue en conversaciones ni en ' +
      'incidencias y no la suba a un repositorio. Guárdela en una variable de entorno o en un gestor de ' +
      'secretos. Si se filtra, pida a un administrador que la revoque.',
    usage: 'Uso: exporte la clave una vez y después llame a la API compatible con OpenAI de la pasarela.',
    withCurl: 'Con curl:',
    withPython: 'Con el SDK de OpenAI para Python:',
    samplePrompt: '¡Hola!',
  },
  extension: {
    heading: 'Su clave de API se ha prorrogado',
    statement: (model, until, keyHint) => [
      'Su renovación para el modelo ',
      strong(model),
      ' ha sido aprobada: su clave de API',
      ...(keyHint === null ? [] : [' terminada en ', code(keyHint)]),
      ...(until === null
        ? [' se ha prorrogado y ya no caduca.']
        : [' es válida hasta el ', strong(until), '.']),
    ],
    keepUsing: 'Siga usando la clave que ya tiene. Por seguridad, este correo no la incluye.',
  },
  denial: {
    subject: (model) => `Solicitud de clave de API denegada para ${model}`,
    heading: 'Solicitud denegada',
    statement: (model) => [
      'Su solicitud de una clave de API para el modelo ',
      strong(model),
      ' ha sido denegada.',
    ],
    closing: 'Si cree que se trata de un error, póngase en contacto con su administrador.',
  },
  revocation: {
    subject: (model) => `Clave de API revocada para ${model}`,
    heading: 'Clave de API revocada',
    statement: (model) => [
      'Su clave de API para el modelo ',
      strong(model),
      ' ha sido revocada y ya no funciona.',
    ],
    closing: 'Si tiene preguntas, póngase en contacto con su administrador.',
  },
  reminder: {
    subject: (model, day) => `Su clave de API para ${model} caduca el ${day}`,
    heading: 'Su clave de API caduca pronto',
    statement: (model, moment) => [
      'Su clave de API para el modelo ',
      strong(model),
      ' caduca el ',
      strong(moment),
      '.',
    ],
    renewHere: 'Para seguir usándola, renuévela aquí:',
    explain:
      'La renovación vuelve a pasar por la aprobación; una vez aprobada, su clave seguirá funcionando con una nueva fecha de caducidad.',
  },
  link: {
    subject: (model) => `Su solicitud de clave de API para ${model}`,
    heading: 'Su solicitud',
    statement: (model) => [
      'Se ha vuelto a solicitar una clave de API para el modelo ',
      strong(model),
      ' con esta dirección. Ya existe una solicitud, así que no se ha creado otra.',
    ],
    linkHere: 'Este es el enlace a su solicitud:',
    explain: 'Allí puede ver su estado y, cuando sea posible, renovarla o revocar la clave.',
    notYou: 'Si no fue usted, puede ignorar este mensaje.',
  },
};

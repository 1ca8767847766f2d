import type { TFunction } from 'i18next';
import type { ApiFailure, FieldProblem } from '../api/api-failure.js';
import { en } from './catalogs/en.js';

type Field = keyof typeof en.validation.field;
type FieldType = keyof (typeof en.validation.field)[Field];
type GenericType = keyof typeof en.validation.type;

/** A validation problem from the server in the user's language: the field's own words for
 * the problem's `type`, else words for the type alone, else (a type the UI does not know)
 * the server's English message. */
export function problemText(t: TFunction, field: string | null, problem: FieldProblem): string {
  const { type } = problem;
  if (field !== null && isKeyOf(en.validation.field, field) && isKeyOf(en.validation.field[field], type)) {
    return t(`validation.field.${field}.${type as FieldType}`);
  }
  if (isKeyOf(en.validation.type, type)) {
    return t(`validation.type.${type as GenericType}`, { field: field ?? '' });
  }
  return problem.msg;
}

/** One sentence for a failed call, for a banner. */
export function failureText(t: TFunction, failure: ApiFailure): string {
  switch (failure.kind) {
    case 'validation': {
      const texts = [
        ...Object.entries(failure.fields).map(([field, problem]) => problemText(t, field, problem)),
        ...failure.problems.map((problem) => problemText(t, null, problem)),
      ];
      return texts.length > 0 ? texts.join(' ') : t('failure.rejected');
    }
    case 'network':
      return t('failure.network');
    case 'unauthorized':
      return t('failure.unauthorized');
    case 'not-found':
      return t('failure.notFound');
    case 'conflict':
      return t('failure.conflict');
    case 'too-large':
      return t('failure.tooLarge');
    case 'unavailable':
      return t('failure.unavailable');
    default:
      return failure.status >= 500
        ? t('failure.serverError', { status: failure.status })
        : t('failure.refused', { status: failure.status });
  }
}

function isKeyOf<T extends object>(object: T, key: string): key is Extract<keyof T, string> {
  return Object.hasOwn(object, key);
}

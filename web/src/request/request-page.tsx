import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { api } from '../api/api-client.js';
import type { ApiFailure, FieldProblem } from '../api/api-failure.js';
import type { SubmitReply } from '../api/api-types.js';
import { failureText, problemText } from '../i18n/failure-text.js';
import { Banner } from '../shared/banner.js';
import { browserStorage } from '../shared/browser-storage.js';
import { LiveMessage } from '../shared/live-message.js';
import { type EmailShapeProblem, emailShapeProblem } from './email-shape.js';
import { type ModelSections, splitModels } from './model-list.js';
import { ModelPicker } from './model-picker.js';
import { RecentList } from './recent-list.js';
import { type RecentRequest, readRecent, rememberRequest } from './recent-requests.js';
import { type CreatedReply, RequestResult } from './request-result.js';
import { portalTerms } from './terms.js';
import { TermsConsent } from './terms-consent.js';
import { useLiveRecent } from './use-live-recent.js';

type Catalog =
  | { state: 'loading' }
  | { state: 'ready'; sections: ModelSections }
  | { state: 'failed'; failure: ApiFailure };

interface Submitted {
  reply: CreatedReply;
  modelTitle: string;
}

type Field = 'email' | 'llm' | 'terms';
/** A field's problem, kept as what went wrong rather than as words, so a language switch
 * re-renders it in the new language. */
type FieldError = { local: 'chooseModel' | 'acceptTerms' | EmailShapeProblem } | { server: FieldProblem };

const EMAIL_SHAPE_KEYS = {
  empty: 'request.emailEmpty',
  spaces: 'request.emailSpaces',
  shape: 'request.emailShape',
} as const;

function isCreated(reply: SubmitReply): reply is CreatedReply {
  return reply.request_id !== null && reply.status !== undefined;
}

export function RequestPage() {
  const { t, i18n } = useTranslation();
  const [catalog, setCatalog] = useState<Catalog>({ state: 'loading' });
  const [selected, setSelected] = useState<string | null>(null);
  const [email, setEmail] = useState('');
  // The operator's terms of use (portal.terms), stated in the page by the service.
  const [terms] = useState(() => portalTerms(document));
  const [consented, setConsented] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Field, FieldError>>>({});
  const [banner, setBanner] = useState<ApiFailure | null>(null);
  // The service's neutral answer for an email and model that have a request already.
  const [notice, setNotice] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [submitted, setSubmitted] = useState<Submitted | null>(null);
  const [recent, setRecent] = useState<RecentRequest[]>(() => readRecent(browserStorage('localStorage')));
  // Polls every remembered request that is still pending, the one just submitted included.
  const live = useLiveRecent(recent, setRecent);
  const emailRef = useRef<HTMLInputElement>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const consentRef = useRef<HTMLInputElement>(null);

  const loadCatalog = useCallback((signal?: AbortSignal) => {
    setCatalog({ state: 'loading' });
    Promise.all([api.featuredModels(signal), api.models(signal)]).then(
      ([featured, all]) => {
        if (!all.ok) {
          setCatalog({ state: 'failed', failure: all.failure });
          return;
        }
        // The featured list is an extra; without it every model still shows.
        setCatalog({
          state: 'ready',
          sections: splitModels(featured.ok ? featured.data.models : [], all.data.models),
        });
      },
      () => {
        // Aborted because the page was left: nothing to show.
      },
    );
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    loadCatalog(controller.signal);
    return () => controller.abort();
  }, [loadCatalog]);

  const models = catalog.state === 'ready' ? [...catalog.sections.featured, ...catalog.sections.others] : [];
  const titleOf = (id: string) => models.find((model) => model.id === id)?.title || id;

  const select = useCallback((id: string) => {
    setSelected(id);
    setFieldErrors(({ llm: _dropped, ...rest }) => rest);
  }, []);

  function errorText(field: Field): string | undefined {
    const error = fieldErrors[field];
    if (error === undefined) {
      return undefined;
    }
    if ('server' in error) {
      return problemText(t, field, error.server);
    }
    if (error.local === 'chooseModel') {
      return t('request.chooseModel');
    }
    return error.local === 'acceptTerms' ? t('terms.required') : t(EMAIL_SHAPE_KEYS[error.local]);
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (submitting) {
      return;
    }
    const problems: Partial<Record<Field, FieldError>> = {};
    if (selected === null) {
      problems.llm = { local: 'chooseModel' };
    }
    const emailProblem = emailShapeProblem(email);
    if (emailProblem !== null) {
      problems.email = { local: emailProblem };
    }
    if (terms !== null && !consented) {
      problems.terms = { local: 'acceptTerms' };
    }
    setBanner(null);
    setNotice(null);
    setFieldErrors(problems);
    if (selected === null || emailProblem !== null || problems.terms !== undefined) {
      focusFirstInvalid(problems);
      return;
    }
    setSubmitting(true);
    setSubmitted(null);
    const result = await api.requestKey(email.trim(), selected, i18n.language);
    setSubmitting(false);
    if (!result.ok) {
      const { fields } = result.failure;
      const shown: Partial<Record<Field, FieldError>> = {};
      for (const name of ['email', 'llm'] as const) {
        const problem = fields[name];
        if (problem !== undefined) {
          shown[name] = { server: problem };
        }
      }
      setFieldErrors(shown);
      // Problems the form cannot place next to a field (extra keys, a 503, a 413) go in the banner.
      if (Object.keys(shown).length === 0) {
        setBanner(result.failure);
      } else {
        focusFirstInvalid(shown);
      }
      return;
    }
    const reply = result.data;
    if (!isCreated(reply)) {
      setNotice(reply.message);
      return;
    }
    setSubmitted({ reply, modelTitle: titleOf(selected) });
    setRecent(
      rememberRequest(browserStorage('localStorage'), {
        id: reply.request_id,
        model: selected,
        status: reply.status,
        at: new Date().toISOString(),
        ...(reply.token === undefined ? {} : { token: reply.token }),
      }),
    );
  }

  const submittedState =
    submitted === null
      ? 'pending'
      : (live[submitted.reply.request_id]?.status ??
        recent.find((item) => item.id === submitted.reply.request_id)?.status ??
        submitted.reply.status);

  function focusFirstInvalid(problems: Partial<Record<Field, FieldError>>) {
    // Wait for the error text to render so it is read together with the field.
    requestAnimationFrame(() => {
      if (problems.llm !== undefined) {
        const radio =
          formRef.current?.querySelector<HTMLInputElement>('input[name="llm"]:checked') ??
          formRef.current?.querySelector<HTMLInputElement>('input[name="llm"]');
        radio?.focus();
      } else if (problems.email !== undefined) {
        emailRef.current?.focus();
      } else if (problems.terms !== undefined) {
        consentRef.current?.focus();
      }
    });
  }

  const emailError = errorText('email');
  return (
    <div className="request-page">
      <div className="page-intro">
        <h1 tabIndex={-1}>{t('request.heading')}</h1>
        <p className="lead">{t('request.lead')}</p>
      </div>

      {catalog.state === 'failed' && (
        <Banner
          tone="error"
          action={
            <button type="button" className="button button-secondary" onClick={() => loadCatalog()}>
              {t('request.tryAgain')}
            </button>
          }
        >
          {t('request.catalogFailed', { reason: failureText(t, catalog.failure) })}
        </Banner>
      )}

      <form
        ref={formRef}
        className="request-layout"
        onSubmit={submit}
        noValidate
        aria-label={t('request.formLabel')}
      >
        <div className="request-models">
          {catalog.state === 'loading' && (
            <div className="step" aria-busy="true">
              <p className="loading">{t('request.loadingModels')}</p>
            </div>
          )}
          {catalog.state === 'ready' && (
            <ModelPicker
              sections={catalog.sections}
              selected={selected}
              onSelect={select}
              error={errorText('llm')}
            />
          )}
        </div>

        <aside className="request-side">
          <div className="step email-step">
            <h2 className="step-title">
              <span className="step-number" aria-hidden="true">
                2
              </span>
              {t('request.emailStep')}
            </h2>
            <p className="selected-summary">
              {selected === null ? (
                t('request.noModelYet')
              ) : (
                <Trans
                  i18nKey="request.selectedModel"
                  values={{ model: titleOf(selected) }}
                  components={{ strong: <strong /> }}
                />
              )}
            </p>
            <div className="field">
              <label htmlFor="email">{t('request.emailLabel')}</label>
              <input
                ref={emailRef}
                id="email"
                name="email"
                type="email"
                inputMode="email"
                autoComplete="email"
                spellCheck={false}
                maxLength={320}
                value={email}
                onChange={(event) => {
                  setEmail(event.target.value);
                  setFieldErrors(({ email: _dropped, ...rest }) => rest);
                }}
                aria-invalid={emailError === undefined ? undefined : true}
                aria-describedby={emailError === undefined ? 'email-hint' : 'email-hint email-error'}
              />
              <p id="email-hint" className="hint">
                {t('request.emailHint')}
              </p>
              {emailError !== undefined && (
                <p id="email-error" className="field-error">
                  {emailError}
                </p>
              )}
            </div>
            {terms !== null && (
              <TermsConsent
                terms={terms}
                checked={consented}
                onChange={(checked) => {
                  setConsented(checked);
                  setFieldErrors(({ terms: _dropped, ...rest }) => rest);
                }}
                error={errorText('terms')}
                inputRef={consentRef}
              />
            )}
            {banner !== null && <Banner tone="error">{failureText(t, banner)}</Banner>}
            {notice !== null && <Banner tone="info">{notice}</Banner>}
            <button
              type="submit"
              className="button button-primary button-block"
              disabled={submitting || catalog.state !== 'ready'}
              aria-busy={submitting}
            >
              {submitting ? t('request.submitting') : t('request.submit')}
            </button>
          </div>

          <LiveMessage
            text={
              submitted === null ? '' : t('request.announced', { state: t(`state.${submittedState}.label`) })
            }
          />
          {submitted !== null && (
            <RequestResult
              reply={submitted.reply}
              state={submittedState}
              reason={live[submitted.reply.request_id]?.reason ?? undefined}
              modelTitle={submitted.modelTitle}
            />
          )}

          <RecentList recent={recent} titleOf={titleOf} />
        </aside>
      </form>
    </div>
  );
}

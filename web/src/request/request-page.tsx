import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api/api-client.js';
import type { ApiFailure } from '../api/api-failure.js';
import type { SubmitReply } from '../api/api-types.js';
import { Banner } from '../shared/banner.js';
import { LiveMessage } from '../shared/live-message.js';
import { stateLabel } from '../shared/status-text.js';
import { emailShapeProblem } from './email-shape.js';
import { type ModelSections, splitModels } from './model-list.js';
import { ModelPicker } from './model-picker.js';
import { RecentList } from './recent-list.js';
import { browserStorage, type RecentRequest, readRecent, rememberRequest } from './recent-requests.js';
import { RequestResult } from './request-result.js';
import { useLiveRecent } from './use-live-recent.js';

type Catalog =
  | { state: 'loading' }
  | { state: 'ready'; sections: ModelSections }
  | { state: 'failed'; failure: ApiFailure };

interface Submitted {
  reply: SubmitReply;
  modelTitle: string;
}

export function RequestPage() {
  const [catalog, setCatalog] = useState<Catalog>({ state: 'loading' });
  const [selected, setSelected] = useState<string | null>(null);
  const [email, setEmail] = useState('');
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [banner, setBanner] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [submitted, setSubmitted] = useState<Submitted | null>(null);
  const [recent, setRecent] = useState<RecentRequest[]>(() => readRecent(browserStorage('localStorage')));
  // Polls every remembered request that is still pending, the one just submitted included.
  const live = useLiveRecent(recent, setRecent);
  const emailRef = useRef<HTMLInputElement>(null);
  const formRef = useRef<HTMLFormElement>(null);

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

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (submitting) {
      return;
    }
    const problems: Record<string, string> = {};
    if (selected === null) {
      problems.llm = 'Choose a model first.';
    }
    const emailProblem = emailShapeProblem(email);
    if (emailProblem !== null) {
      problems.email = emailProblem;
    }
    setBanner(null);
    setFieldErrors(problems);
    if (selected === null || emailProblem !== null) {
      focusFirstInvalid(problems);
      return;
    }
    setSubmitting(true);
    setSubmitted(null);
    const result = await api.requestKey(email.trim(), selected);
    setSubmitting(false);
    if (!result.ok) {
      const { fields, message } = result.failure;
      const shown: Record<string, string> = {};
      for (const name of ['email', 'llm'] as const) {
        if (fields[name] !== undefined) {
          shown[name] = fields[name];
        }
      }
      setFieldErrors(shown);
      // Problems the form cannot place next to a field (extra keys, a 503, a 413) go in the banner.
      if (Object.keys(shown).length === 0) {
        setBanner(message);
      } else {
        focusFirstInvalid(shown);
      }
      return;
    }
    const reply = result.data;
    setSubmitted({ reply, modelTitle: titleOf(selected) });
    setRecent(
      rememberRequest(browserStorage('localStorage'), {
        id: reply.request_id,
        model: selected,
        status: reply.status,
        at: new Date().toISOString(),
      }),
    );
  }

  const submittedState =
    submitted === null
      ? 'pending'
      : (live[submitted.reply.request_id]?.status ??
        recent.find((item) => item.id === submitted.reply.request_id)?.status ??
        submitted.reply.status);

  function focusFirstInvalid(problems: Record<string, string>) {
    // Wait for the error text to render so it is read together with the field.
    requestAnimationFrame(() => {
      if (problems.llm !== undefined) {
        const radio =
          formRef.current?.querySelector<HTMLInputElement>('input[name="llm"]:checked') ??
          formRef.current?.querySelector<HTMLInputElement>('input[name="llm"]');
        radio?.focus();
      } else if (problems.email !== undefined) {
        emailRef.current?.focus();
      }
    });
  }

  return (
    <div className="request-page">
      <div className="page-intro">
        <h1 tabIndex={-1}>Request an API key</h1>
        <p className="lead">
          Pick a model, enter your email address, and submit. Once the request is approved, the key is emailed
          to you.
        </p>
      </div>

      {catalog.state === 'failed' && (
        <Banner
          tone="error"
          action={
            <button type="button" className="button button-secondary" onClick={() => loadCatalog()}>
              Try again
            </button>
          }
        >
          The model list could not be loaded. {catalog.failure.message}
        </Banner>
      )}

      <form ref={formRef} className="request-layout" onSubmit={submit} noValidate aria-label="Key request">
        <div className="request-models">
          {catalog.state === 'loading' && (
            <div className="step" aria-busy="true">
              <p className="loading">Loading models…</p>
            </div>
          )}
          {catalog.state === 'ready' && (
            <ModelPicker
              sections={catalog.sections}
              selected={selected}
              onSelect={select}
              error={fieldErrors.llm}
            />
          )}
        </div>

        <aside className="request-side">
          <div className="step email-step">
            <h2 className="step-title">
              <span className="step-number" aria-hidden="true">
                2
              </span>
              Your email
            </h2>
            <p className="selected-summary">
              {selected === null ? (
                'No model selected yet.'
              ) : (
                <>
                  Model: <strong>{titleOf(selected)}</strong>
                </>
              )}
            </p>
            <div className="field">
              <label htmlFor="email">Email address</label>
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
                aria-invalid={fieldErrors.email === undefined ? undefined : true}
                aria-describedby={fieldErrors.email === undefined ? 'email-hint' : 'email-hint email-error'}
              />
              <p id="email-hint" className="hint">
                The key and any decision are sent to this address.
              </p>
              {fieldErrors.email !== undefined && (
                <p id="email-error" className="field-error">
                  {fieldErrors.email}
                </p>
              )}
            </div>
            {banner !== null && <Banner tone="error">{banner}</Banner>}
            <button
              type="submit"
              className="button button-primary button-block"
              disabled={submitting || catalog.state !== 'ready'}
              aria-busy={submitting}
            >
              {submitting ? 'Submitting…' : 'Request key'}
            </button>
          </div>

          <LiveMessage
            text={
              submitted === null ? '' : `${submitted.reply.message} Status: ${stateLabel(submittedState)}.`
            }
          />
          {submitted !== null && (
            <RequestResult
              reply={submitted.reply}
              state={submittedState}
              reason={live[submitted.reply.request_id]?.reason}
              modelTitle={submitted.modelTitle}
            />
          )}

          <RecentList recent={recent} titleOf={titleOf} />
        </aside>
      </form>
    </div>
  );
}

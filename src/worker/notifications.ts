import type { MailMessage } from '../mail/mailer.js';
import {
  approvalMail,
  denialMail,
  extensionMail,
  linkMail,
  type RequesterMailInput,
  reminderMail,
  reviewNoticeMail,
  revocationMail,
} from '../mail/templates.js';
import { recipientOf } from '../requests/email.js';
import type { KeyRequest, NotificationKind } from '../requests/request-types.js';
import type { RequesterTokens } from '../requests/requester-token.js';
import { AppError } from '../shared/errors.js';
import { fail, ok, type Result } from '../shared/result.js';
import type { RequestPatch } from '../store/request-store.js';
import type { KeyIssue } from './key-history.js';

/** A mail the worker owes, with what it completes. */
export interface Notification {
  kind: NotificationKind;
  message: MailMessage;
  /** Recorded once the mail is delivered, and also when it is given up after its bounded tries
   * (a permanent refusal): either way the duty is done, and only an admin's resend makes it
   * due again (docs/design.md, "Worker duties"). */
  done: RequestPatch;
  /** Recorded only on delivery: dropping the plain key the approval mail carried, which a
   * resend of a given-up approval mail still needs. */
  delivered: RequestPatch;
  /** What of `done` still holds for `fresh` when the request moved to another state or cycle
   * while the mail was out (an admin decided, a renewal started): a link mail or reminder of
   * the same cycle is done all the same, so it is not sent again; a state's own mail leaves
   * nothing, the new state's duties follow. */
  afterMove: (fresh: KeyRequest) => RequestPatch;
}

/** The links mails carry. */
export interface MailLinks {
  /** The requester's page with its token, `<public_url>/requests/<id>?token=<t>`. */
  pageUrl(requestId: string): Promise<string>;
  /** The request in the admin console, `<public_url>/admin/requests/<id>`. */
  consoleUrl(requestId: string): string;
}

export function createMailLinks({
  tokens,
  publicUrl,
}: {
  tokens: Pick<RequesterTokens, 'pageUrl'>;
  publicUrl: string;
}): MailLinks {
  const base = publicUrl.replace(/\/+$/, '');
  return {
    pageUrl: (requestId) => tokens.pageUrl(requestId),
    consoleUrl: (requestId) => `${base}/admin/requests/${encodeURIComponent(requestId)}`,
  };
}

export interface NotificationsDeps {
  links: MailLinks;
  gatewayUrl: string;
  /** Who gets review notices (`admin.notify`). */
  adminNotify: readonly string[];
  /** `retain_api_keys`: keep the plain key after its approval mail. */
  retainApiKeys: boolean;
}

/** Builds each mail the worker sends, from the request as stored: requester mails go to the
 * address as typed, in the request's language, for its cycle (part of the Message-ID), with the
 * link to the requester's page; review notices go to the admins with the console link. */
export function createNotifications(deps: NotificationsDeps) {
  async function addressed(request: KeyRequest): Promise<RequesterMailInput & { pageUrl: string }> {
    return {
      requestId: request.id,
      cycle: request.cycle,
      to: recipientOf(request),
      model: request.model,
      language: request.language,
      pageUrl: await deps.links.pageUrl(request.id),
    };
  }

  const nothingLeft = (): RequestPatch => ({});

  /** The state's duties are done with its mail. */
  const handled = (request: KeyRequest): RequestPatch => ({ handledState: request.state });

  /** After the approval mail: the plain key goes (docs/design.md, "Keys at rest"). */
  const dropKey = (request: KeyRequest): RequestPatch =>
    deps.retainApiKeys || request.apiKey === null ? {} : { apiKey: null };

  /** A value the due rules guarantee; its absence is a bug, not a dependency failure. */
  function required<T>(value: T | null, what: string): T {
    if (value === null) {
      throw new Error(`${what} is missing although the duty is due`);
    }
    return value;
  }

  return {
    /** The approval mail of the current cycle: the key when it was minted (or adopted), "your
     * key was extended" without the key when the earlier one was extended. A minted key whose
     * plain value is no longer stored cannot be mailed: only an operator can sort that out. */
    async approval(request: KeyRequest, issue: KeyIssue): Promise<Result<Notification>> {
      const input = await addressed(request);
      const base = {
        kind: 'approval' as const,
        done: handled(request),
        delivered: dropKey(request),
        afterMove: nothingLeft,
      };
      if (issue === 'key-extended') {
        return ok({
          ...base,
          message: extensionMail({ ...input, expiresAt: request.expiresAt, keyHint: request.keyHint }),
        });
      }
      if (request.apiKey === null) {
        return fail(
          new AppError(
            'internal',
            'the key minted for this approval is no longer stored, so its mail cannot be sent; revoke the request and approve it again',
            { retry: false },
          ),
        );
      }
      return ok({
        ...base,
        message: approvalMail({
          ...input,
          apiKey: request.apiKey,
          gatewayUrl: deps.gatewayUrl,
          expiresAt: request.expiresAt,
        }),
      });
    },

    async denial(request: KeyRequest): Promise<Notification> {
      const message = denialMail({ ...(await addressed(request)), reason: request.reason });
      return { kind: 'denial', message, done: handled(request), delivered: {}, afterMove: nothingLeft };
    },

    async revocation(request: KeyRequest): Promise<Notification> {
      const message = revocationMail({ ...(await addressed(request)), reason: request.reason });
      return { kind: 'revocation', message, done: handled(request), delivered: {}, afterMove: nothingLeft };
    },

    /** The notice to the admins; null when nobody is to be notified. */
    review(request: KeyRequest): Notification | null {
      if (deps.adminNotify.length === 0) {
        return null;
      }
      const message = reviewNoticeMail({
        requestId: request.id,
        cycle: request.cycle,
        email: request.email,
        model: request.model,
        reason: request.reason,
        to: [...deps.adminNotify],
        consoleUrl: deps.links.consoleUrl(request.id),
      });
      return { kind: 'review', message, done: handled(request), delivered: {}, afterMove: nothingLeft };
    },

    /** "Your key expires on …; renew here": once per cycle. */
    async reminder(request: KeyRequest): Promise<Notification> {
      const message = reminderMail({
        ...(await addressed(request)),
        expiresAt: required(request.expiresAt, 'the expiry'),
      });
      const done = { remindedCycle: request.cycle };
      return {
        kind: 'reminder',
        message,
        done,
        delivered: {},
        afterMove: (fresh) => (fresh.cycle === request.cycle ? done : {}),
      };
    },

    /** "Here is the link to your request", asked for by a POST that found it. */
    async link(request: KeyRequest): Promise<Notification> {
      const { hour } = required(request.linkMail, 'the link mail');
      const message = linkMail({ ...(await addressed(request)), hour });
      const done = { linkMail: null, lastLinkMailHour: hour };
      return {
        kind: 'link',
        message,
        done,
        delivered: {},
        // Only the link mail that went out: one asked for in a later hour or cycle is another message.
        afterMove: (fresh) => (fresh.cycle === request.cycle && fresh.linkMail?.hour === hour ? done : {}),
      };
    },
  };
}

export type Notifications = ReturnType<typeof createNotifications>;

/** Slack HTTP requests Bolt's HTTPReceiver cannot handle get a 4xx (Bolt hangs or answers 500 on some). */
import { parse } from 'node:querystring';
import { AuthorizationError, type ReceiverProcessEventErrorHandlerArgs } from '@slack/bolt';
import { errorMessage } from '../../src/core/errors.ts';

const isObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Why `body` cannot be a Slack payload, or undefined when Bolt can take it. Parsed the way Bolt
 * parses it: a form (`application/x-www-form-urlencoded`: slash commands, or a JSON `payload` field
 * for interactions) or else JSON. Bolt reads `body.ssl_check` of whatever JSON it parsed, so JSON
 * that is not an object (`null`) would fail inside it and leave the request unanswered. A body that
 * does not parse at all is left to Bolt: it checks the signature first (401), then answers 400.
 */
export function slackBodyProblem(contentType: string | undefined, body: Buffer): string | undefined {
  const text = body.toString('utf8');
  let parsed: unknown;
  try {
    if (contentType === 'application/x-www-form-urlencoded') {
      const form = parse(text);
      if (typeof form.payload !== 'string') return undefined;
      parsed = JSON.parse(form.payload);
    } else {
      parsed = JSON.parse(text);
    }
  } catch {
    return undefined;
  }
  return isObject(parsed) ? undefined : 'the body is not a JSON object';
}

/**
 * Bolt's answer when processing a verified request fails before Hearth's listeners acknowledged it
 * (Bolt could not make sense of the payload): a 400 instead of Bolt's default 500; an
 * authorization failure stays a 401. True tells Bolt the request was answered.
 */
export async function answerUnprocessable(args: ReceiverProcessEventErrorHandlerArgs): Promise<boolean> {
  const { error, logger, response } = args;
  if (response.headersSent) {
    logger.error(`slack: a listener failed after the acknowledgement: ${errorMessage(error)}`);
    return false;
  }
  const status = error instanceof AuthorizationError ? 401 : 400;
  logger.warn(`slack: request not processed (${status}): ${errorMessage(error)}`);
  response.writeHead(status, { 'content-type': 'text/plain' }).end('request not processed');
  return true;
}

import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface AwsSettings {
  region: string;
  /** Set locally (moto); unset in AWS. */
  endpoint?: string | undefined;
  /** Per attempt. The SDK's own retries stay on, bounded by maxAttempts (EventBridge: none). */
  requestTimeoutMs?: number;
  connectionTimeoutMs?: number;
  maxAttempts?: number;
}

export interface AwsClients {
  readonly dynamodb: DynamoDBClient;
  readonly eventBridge: EventBridgeClient;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly secrets: SecretsManagerClient;
  readonly cognito: CognitoIdentityProviderClient;
  destroy(): void;
}

/** Settings from the standard variables the SDK also understands. */
export function awsSettingsFromEnv(config: {
  AWS_REGION: string;
  AWS_ENDPOINT_URL?: string | undefined;
}): AwsSettings {
  return { region: config.AWS_REGION, endpoint: config.AWS_ENDPOINT_URL };
}

/** SQS long polls wait up to 20 s for messages: its requests may take that long and more. */
const LONG_POLL_REQUEST_TIMEOUT_MS = 25_000;

function commonOptions(settings: AwsSettings) {
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
  const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 64 });
  return {
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    maxAttempts: settings.maxAttempts ?? 3,
    requestHandler: new NodeHttpHandler({
      httpAgent,
      httpsAgent,
      connectionTimeout: settings.connectionTimeoutMs ?? 1_000,
      requestTimeout: settings.requestTimeoutMs ?? 5_000,
      // Without it the handler only logs a late call and keeps waiting: a call AWS never answers
      // would hold its socket for good, and 64 of them would leave none for the next call.
      throwOnRequestTimeout: true,
    }),
  };
}

/** Clients are created on first use, so a service pays only for what it talks to. */
export function createAwsClients(settings: AwsSettings): AwsClients {
  const options = commonOptions(settings);
  const created: Array<{ destroy(): void }> = [];
  const lazy = <T extends { destroy(): void }>(make: () => T): (() => T) => {
    let client: T | undefined;
    return () => {
      if (!client) {
        client = make();
        created.push(client);
      }
      return client;
    };
  };
  const dynamodb = lazy(() => new DynamoDBClient(options));
  // Every PutEvents goes through an EventPublisher, which retries failed entries and failed calls
  // itself, within each caller's deadline: SDK retries underneath would multiply its attempts and
  // outlive the deadline in a call it has already given up on. PutEvents is also the hottest call:
  // its middleware stack is resolved once, not on every call (a fifth of the SDK's CPU per call).
  // Not for DynamoDB: lib-dynamodb refuses the middleware cache.
  const eventBridge = lazy(
    () => new EventBridgeClient({ ...options, maxAttempts: 1, cacheMiddleware: true }),
  );
  const sqs = lazy(
    () =>
      new SQSClient({
        ...commonOptions({
          ...settings,
          requestTimeoutMs: Math.max(settings.requestTimeoutMs ?? 0, LONG_POLL_REQUEST_TIMEOUT_MS),
        }),
      }),
  );
  const s3 = lazy(
    () =>
      new S3Client({
        ...options,
        forcePathStyle: Boolean(settings.endpoint),
        // A presigned upload would otherwise carry the checksum of an empty body, which S3 holds
        // the uploaded bytes to; the size and type signed into it are the check instead.
        requestChecksumCalculation: 'WHEN_REQUIRED',
      }),
  );
  const secrets = lazy(() => new SecretsManagerClient(options));
  const cognito = lazy(() => new CognitoIdentityProviderClient(options));
  return {
    get dynamodb() {
      return dynamodb();
    },
    get eventBridge() {
      return eventBridge();
    },
    get sqs() {
      return sqs();
    },
    get s3() {
      return s3();
    },
    get secrets() {
      return secrets();
    },
    get cognito() {
      return cognito();
    },
    destroy() {
      for (const client of created) client.destroy();
    },
  };
}

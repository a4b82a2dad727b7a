import {
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateBucketCommand,
  PutBucketCorsCommand,
  PutBucketPolicyCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { manifest, type QueueName, type TableName, type TableSpec } from './manifest';

export interface BootstrapTarget {
  endpoint: string;
  region: string;
  /** Prepended to every name, so parallel test files never share a resource. */
  prefix: string;
}

export interface QueueRef {
  url: string;
  arn: string;
}

export interface LocalResources extends BootstrapTarget {
  tables: Record<TableName, string>;
  busName: string;
  queues: Record<QueueName, QueueRef>;
  deadLetterQueues: Record<QueueName, QueueRef>;
  bucket: string;
  userPoolId: string;
  appClientId: string;
  /** The issuer tokens from this pool carry: the AWS form, as in production. */
  issuer: string;
  jwksUri: string;
}

const ignoreIf = (names: string[]) => (error: unknown) => {
  if (error instanceof Error && names.includes(error.name)) return undefined;
  throw error;
};

function tableInput(name: string, spec: TableSpec): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: Object.entries(spec.attributes).map(([AttributeName, AttributeType]) => ({
      AttributeName,
      AttributeType,
    })),
    KeySchema: [
      { AttributeName: spec.hashKey, KeyType: 'HASH' },
      { AttributeName: spec.rangeKey, KeyType: 'RANGE' },
    ],
    ...(spec.globalSecondaryIndexes.length > 0
      ? {
          GlobalSecondaryIndexes: spec.globalSecondaryIndexes.map((index) => ({
            IndexName: index.name,
            KeySchema: [
              { AttributeName: index.hashKey, KeyType: 'HASH' },
              { AttributeName: index.rangeKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: index.projection },
          })),
        }
      : {}),
  };
}

async function createTables(
  dynamodb: DynamoDBClient,
  prefix: string,
): Promise<Record<TableName, string>> {
  const names = {} as Record<TableName, string>;
  for (const [logical, spec] of Object.entries(manifest.tables) as Array<[TableName, TableSpec]>) {
    const name = `${prefix}${logical}`;
    names[logical] = name;
    await dynamodb
      .send(new CreateTableCommand(tableInput(name, spec)))
      .catch(ignoreIf(['ResourceInUseException']));
    if (spec.ttlAttribute) {
      const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: name }));
      if (ttl.TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED') {
        await dynamodb.send(
          new UpdateTimeToLiveCommand({
            TableName: name,
            TimeToLiveSpecification: { AttributeName: spec.ttlAttribute, Enabled: true },
          }),
        );
      }
    }
  }
  return names;
}

async function createQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<QueueRef> {
  const created = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const url = created.QueueUrl!;
  await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
  const read = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return { url, arn: read.Attributes!.QueueArn! };
}

async function createQueues(sqs: SQSClient, prefix: string) {
  const queues = {} as Record<QueueName, QueueRef>;
  const deadLetterQueues = {} as Record<QueueName, QueueRef>;
  for (const [logical, spec] of Object.entries(manifest.queues) as Array<
    [QueueName, (typeof manifest.queues)[QueueName]]
  >) {
    // The DLQ must exist before the queue that redrives into it.
    const dlqSpec = manifest.deadLetterQueues[spec.deadLetterQueue]!;
    const dlq = await createQueue(sqs, `${prefix}${spec.deadLetterQueue}`, {
      MessageRetentionPeriod: String(dlqSpec.messageRetentionSeconds),
    });
    deadLetterQueues[logical] = dlq;
    queues[logical] = await createQueue(sqs, `${prefix}${logical}`, {
      VisibilityTimeout: String(spec.visibilityTimeoutSeconds),
      MessageRetentionPeriod: String(spec.messageRetentionSeconds),
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: dlq.arn,
        maxReceiveCount: spec.maxReceiveCount,
      }),
    });
  }
  return { queues, deadLetterQueues };
}

async function createBus(
  eventBridge: EventBridgeClient,
  sqs: SQSClient,
  prefix: string,
  queues: Record<QueueName, QueueRef>,
) {
  const busName = `${prefix}${manifest.eventBus.name}`;
  const bus = await eventBridge
    .send(new CreateEventBusCommand({ Name: busName }))
    .catch(ignoreIf(['ResourceAlreadyExistsException']));
  const busArn = bus?.EventBusArn;
  for (const [ruleName, rule] of Object.entries(manifest.rules)) {
    const queue = queues[rule.target as QueueName];
    if (!queue) throw new Error(`rule ${ruleName} targets unknown queue ${rule.target}`);
    const created = await eventBridge.send(
      new PutRuleCommand({
        Name: `${prefix}${ruleName}`,
        EventBusName: busName,
        EventPattern: JSON.stringify(rule.eventPattern),
        State: 'ENABLED',
      }),
    );
    await eventBridge.send(
      new PutTargetsCommand({
        Rule: `${prefix}${ruleName}`,
        EventBusName: busName,
        Targets: [{ Id: rule.target, Arn: queue.arn }],
      }),
    );
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: queue.url,
        Attributes: {
          Policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Sid: `from-${ruleName}`,
                Effect: 'Allow',
                Principal: { Service: 'events.amazonaws.com' },
                Action: 'sqs:SendMessage',
                Resource: queue.arn,
                Condition: { ArnEquals: { 'aws:SourceArn': created.RuleArn ?? busArn ?? '' } },
              },
            ],
          }),
        },
      }),
    );
  }
  return busName;
}

async function createBucket(s3: S3Client, prefix: string): Promise<string> {
  const bucket = `${prefix}tenant-assets`;
  await s3
    .send(new CreateBucketCommand({ Bucket: bucket }))
    .catch(ignoreIf(['BucketAlreadyOwnedByYou', 'BucketAlreadyExists']));
  await s3.send(
    new PutBucketCorsCommand({
      Bucket: bucket,
      CORSConfiguration: {
        CORSRules: [
          {
            AllowedMethods: ['PUT', 'GET'],
            AllowedOrigins: ['*'],
            AllowedHeaders: ['content-type', 'cache-control'],
            MaxAgeSeconds: 3000,
          },
        ],
      },
    }),
  );
  // Locally the bucket stands in for S3 + CloudFront, so it serves reads to anyone, as the CDN
  // does in AWS (where the bucket itself stays private behind Origin Access Control).
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: bucket,
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'local-cdn',
            Effect: 'Allow',
            Principal: '*',
            Action: 's3:GetObject',
            Resource: `arn:aws:s3:::${bucket}/*`,
          },
        ],
      }),
    }),
  );
  return bucket;
}

async function createUserPool(cognito: CognitoIdentityProviderClient, prefix: string) {
  const poolName = `${prefix}${manifest.identity.userPoolName}`;
  const pools = await cognito.send(new ListUserPoolsCommand({ MaxResults: 60 }));
  let userPoolId = pools.UserPools?.find((p) => p.Name === poolName)?.Id;
  if (!userPoolId) {
    const created = await cognito.send(
      new CreateUserPoolCommand({
        PoolName: poolName,
        UsernameAttributes: ['email'],
        AutoVerifiedAttributes: ['email'],
        Schema: manifest.identity.customAttributes.map((attribute) => ({
          Name: attribute.name,
          AttributeDataType: attribute.type,
          Mutable: true,
          StringAttributeConstraints: { MinLength: '1', MaxLength: String(attribute.maxLength) },
        })),
      }),
    );
    userPoolId = created.UserPool!.Id!;
  }
  for (const group of manifest.identity.groups) {
    await cognito
      .send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: group }))
      .catch(ignoreIf(['GroupExistsException']));
  }
  const clients = await cognito.send(
    new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60 }),
  );
  let appClientId = clients.UserPoolClients?.find(
    (c) => c.ClientName === manifest.identity.appClientName,
  )?.ClientId;
  if (!appClientId) {
    const created = await cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: userPoolId,
        ClientName: manifest.identity.appClientName,
        GenerateSecret: false,
        ExplicitAuthFlows: [
          'ALLOW_USER_PASSWORD_AUTH',
          'ALLOW_ADMIN_USER_PASSWORD_AUTH',
          'ALLOW_REFRESH_TOKEN_AUTH',
        ],
      }),
    );
    appClientId = created.UserPoolClient!.ClientId!;
  }
  return { userPoolId, appClientId };
}

/** Creates every resource of the manifest in a local emulator. Running it again changes nothing. */
export async function bootstrap(target: BootstrapTarget): Promise<LocalResources> {
  const options = {
    region: target.region,
    endpoint: target.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  const dynamodb = new DynamoDBClient(options);
  const sqs = new SQSClient(options);
  const eventBridge = new EventBridgeClient(options);
  const s3 = new S3Client({ ...options, forcePathStyle: true });
  const cognito = new CognitoIdentityProviderClient(options);
  try {
    const tables = await createTables(dynamodb, target.prefix);
    const { queues, deadLetterQueues } = await createQueues(sqs, target.prefix);
    const busName = await createBus(eventBridge, sqs, target.prefix, queues);
    const bucket = await createBucket(s3, target.prefix);
    const { userPoolId, appClientId } = await createUserPool(cognito, target.prefix);
    return {
      ...target,
      tables,
      busName,
      queues,
      deadLetterQueues,
      bucket,
      userPoolId,
      appClientId,
      issuer: `https://cognito-idp.${target.region}.amazonaws.com/${userPoolId}`,
      jwksUri: `${target.endpoint.replace(/\/$/, '')}/${userPoolId}/.well-known/jwks.json`,
    };
  } finally {
    for (const client of [dynamodb, sqs, eventBridge, s3, cognito]) client.destroy();
  }
}

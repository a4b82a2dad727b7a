import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeEventBusCommand } from '@aws-sdk/client-eventbridge';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { ReadinessCheck } from '../http/health';
import type { AwsClients } from './clients';

/** Readiness checks that prove the task can reach each AWS dependency it uses. */
export const awsReadiness = (aws: AwsClients) => ({
  table: (table: string): ReadinessCheck => ({
    name: `dynamodb:${table}`,
    check: (abortSignal) =>
      aws.dynamodb.send(new DescribeTableCommand({ TableName: table }), { abortSignal }),
  }),
  queue: (queueUrl: string): ReadinessCheck => ({
    name: `sqs:${queueUrl.split('/').pop()}`,
    check: (abortSignal) =>
      aws.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
        { abortSignal },
      ),
  }),
  bus: (busName: string): ReadinessCheck => ({
    name: `eventbridge:${busName}`,
    check: (abortSignal) =>
      aws.eventBridge.send(new DescribeEventBusCommand({ Name: busName }), { abortSignal }),
  }),
  bucket: (bucket: string): ReadinessCheck => ({
    name: `s3:${bucket}`,
    check: (abortSignal) => aws.s3.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal }),
  }),
});

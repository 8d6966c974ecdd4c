/**
 * AWS SDK clients, created once per execution environment and traced by X-Ray.
 * Endpoints come from the SDK's standard AWS_ENDPOINT_URL* variables, so the same code runs
 * on AWS, on LocalStack and on the local cloud.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from '../powertools/index.ts';

let dynamo: DynamoDBClient | undefined;
let documents: DynamoDBDocumentClient | undefined;
let events: EventBridgeClient | undefined;
let sfn: SFNClient | undefined;
let sns: SNSClient | undefined;

export const dynamoClient = (): DynamoDBClient => {
  dynamo ??= tracer.captureAWSv3Client(new DynamoDBClient({}));
  return dynamo;
};

export const documentClient = (): DynamoDBDocumentClient => {
  documents ??= DynamoDBDocumentClient.from(dynamoClient(), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documents;
};

export const eventBridgeClient = (): EventBridgeClient => {
  events ??= tracer.captureAWSv3Client(new EventBridgeClient({}));
  return events;
};

export const sfnClient = (): SFNClient => {
  sfn ??= tracer.captureAWSv3Client(new SFNClient({}));
  return sfn;
};

export const snsClient = (): SNSClient => {
  sns ??= tracer.captureAWSv3Client(new SNSClient({}));
  return sns;
};

/** Read a required environment variable, failing the cold start with a message that names it. */
export const requireEnv = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set; the function construct must pass it`);
  return value;
};

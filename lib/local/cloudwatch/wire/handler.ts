/**
 * The CloudWatch API on the edge endpoint (SigV4 service `monitoring`), in each protocol a client may use:
 * awsQuery (what older SDKs send), awsJson1.0 with `x-amzn-query-mode` (what the current JS SDK and the AWS
 * CLI v1 send) and Smithy RPC v2 CBOR (what newer SDKs may send). Errors carry CloudWatch's codes in each
 * protocol's form, including the `x-amzn-query-error` header that query-compatible clients read.
 */
import { AwsApiError, queryError, queryParameters, requestId } from '#lib/local/core/aws-protocol';
import type { EdgeRequest, EdgeResponse, ServiceHandler } from '#lib/local/core/types';
import {
  decodeCbor,
  decodeJson,
  decodeQuery,
  encodeCbor,
  encodeJson,
  encodeXmlResponse,
  XML_NAMESPACE,
} from './codec.ts';
import { ERROR_SHAPES, OPERATIONS, type Shape } from './schema.ts';

export const SERVICE_TARGET = 'GraniteServiceVersion20100801';
const CBOR_PATH = `/service/${SERVICE_TARGET}/operation/`;

export type Protocol = 'query' | 'json' | 'cbor';

/** Runs one operation on its decoded input and returns its output (a plain object; Dates for timestamps). */
export type OperationRunner = (operation: string, input: Record<string, unknown>) => Promise<unknown>;

const ERROR_BODY: Shape = {
  type: 'structure',
  members: { __type: { type: 'string' }, message: { type: 'string' } },
};

const statusOf = (error: AwsApiError): number => ERROR_SHAPES[error.code]?.status ?? error.status;

export class CloudWatchHandler implements ServiceHandler {
  readonly name = 'cloudwatch';
  /** How many requests each protocol served, for diagnostics and tests. */
  readonly served: Record<Protocol, number> = { query: 0, json: 0, cbor: 0 };

  constructor(private readonly run: OperationRunner) {}

  claims(request: EdgeRequest): boolean {
    return this.protocolOf(request) !== undefined;
  }

  protocolOf(request: EdgeRequest): Protocol | undefined {
    if (request.path.startsWith(CBOR_PATH)) return 'cbor';
    if (request.target?.startsWith(`${SERVICE_TARGET}.`)) return 'json';
    if (request.signingService === 'monitoring') return 'query';
    return undefined;
  }

  async handle(request: EdgeRequest): Promise<EdgeResponse> {
    const protocol = this.protocolOf(request) ?? 'query';
    this.served[protocol] += 1;
    let operation = '';
    try {
      let input: Record<string, unknown>;
      if (protocol === 'cbor') {
        operation = request.path.slice(CBOR_PATH.length).replace(/\/$/, '');
        input = decodeCbor(request.body, this.operation(operation, protocol).input);
      } else if (protocol === 'json') {
        operation = request.target?.slice(SERVICE_TARGET.length + 1) ?? '';
        input = decodeJson(request.body, this.operation(operation, protocol).input);
      } else {
        const parameters = queryParameters(request);
        operation = parameters.get('Action') ?? '';
        input = decodeQuery(parameters, this.operation(operation, protocol).input);
      }
      const output = await this.run(operation, input);
      return this.respond(protocol, operation, output);
    } catch (error) {
      const apiError =
        error instanceof AwsApiError
          ? error
          : new AwsApiError(
              'InternalServiceError',
              error instanceof Error ? error.message : String(error),
              500,
              false,
            );
      return this.fail(protocol, apiError);
    }
  }

  private operation(name: string, protocol: Protocol) {
    const operation = OPERATIONS[name];
    if (operation) return operation;
    if (protocol === 'query') {
      throw new AwsApiError(
        'InvalidAction',
        `The action ${name || '(none)'} is not valid for this web service.`,
      );
    }
    throw new AwsApiError(
      'UnknownOperationException',
      `The local cloud's CloudWatch does not implement ${name || 'this operation'}.`,
    );
  }

  private respond(protocol: Protocol, operation: string, output: unknown): EdgeResponse {
    const id = requestId();
    const shape = OPERATIONS[operation]?.output;
    const empty: Shape = { type: 'structure', members: {} };
    if (protocol === 'query') {
      return {
        status: 200,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': id },
        body: encodeXmlResponse(operation, output, shape, id),
      };
    }
    if (protocol === 'json') {
      return {
        status: 200,
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': id },
        body: encodeJson(output ?? {}, shape ?? empty),
      };
    }
    return {
      status: 200,
      headers: {
        'content-type': 'application/cbor',
        'smithy-protocol': 'rpc-v2-cbor',
        'x-amzn-requestid': id,
      },
      body: encodeCbor(output ?? {}, shape ?? empty),
    };
  }

  private fail(protocol: Protocol, error: AwsApiError): EdgeResponse {
    const status = statusOf(error);
    if (protocol === 'query')
      return queryError(new AwsApiError(error.code, error.message, status, error.senderFault), XML_NAMESPACE);
    const shape = ERROR_SHAPES[error.code]?.shape;
    const body = { __type: shape ? `com.amazonaws.cloudwatch#${shape}` : error.code, message: error.message };
    const headers: Record<string, string> = {
      'x-amzn-requestid': requestId(),
      'x-amzn-query-error': `${error.code};${error.senderFault ? 'Sender' : 'Receiver'}`,
    };
    if (protocol === 'json') {
      return {
        status,
        headers: { ...headers, 'content-type': 'application/x-amz-json-1.0' },
        body: JSON.stringify(body),
      };
    }
    return {
      status,
      headers: { ...headers, 'content-type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor' },
      body: encodeCbor(body, ERROR_BODY),
    };
  }
}

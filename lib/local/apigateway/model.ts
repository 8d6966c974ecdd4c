/**
 * The state of the local REST APIs, built from the template's AWS::ApiGateway::* resources: each API with its
 * resource tree, methods, stages, request validators, models and customized gateway responses.
 */
import { createHash } from 'node:crypto';

/** How a method reaches its backend (AWS::ApiGateway::Method `Integration`). */
export interface IntegrationConfig {
  /** AWS_PROXY, AWS, HTTP, HTTP_PROXY or MOCK. */
  readonly type: string;
  /** For AWS_PROXY: `arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<fn arn>/invocations`. */
  readonly uri?: string | undefined;
  /** `TimeoutInMillis`: 29 000 by default, as on AWS. */
  readonly timeoutMs: number;
  /** For MOCK: the integration responses (status, static header values, templates). */
  readonly responses: readonly IntegrationResponseConfig[];
}

export interface IntegrationResponseConfig {
  readonly statusCode: string;
  readonly selectionPattern?: string | undefined;
  /** `method.response.header.<Name>` -> `'static value'` (or a mapping expression, which is not evaluated). */
  readonly responseParameters: Readonly<Record<string, string>>;
  readonly responseTemplates: Readonly<Record<string, string>>;
}

export interface MethodState {
  readonly httpMethod: string;
  /** NONE, AWS_IAM, CUSTOM or COGNITO_USER_POOLS; every one is emulated as allowing the request. */
  readonly authorizationType: string;
  readonly integration: IntegrationConfig | undefined;
  /** `method.request.{header,querystring,path}.<name>` -> required. */
  readonly requestParameters: Readonly<Record<string, boolean>>;
  readonly requestValidatorId?: string | undefined;
  /** Content type -> model name. */
  readonly requestModels: Readonly<Record<string, string>>;
  readonly apiKeyRequired: boolean;
}

export interface ResourceState {
  readonly id: string;
  /** Undefined for the root resource. */
  readonly parentId?: string | undefined;
  /** `orders`, `{orderId}`, `{proxy+}`; undefined for the root resource. */
  readonly pathPart?: string | undefined;
  readonly methods: Map<string, MethodState>;
}

/** One entry of a stage's `MethodSettings`. */
export interface MethodSetting {
  /** `/*` for every resource, else the resource path with `/` escaped as `~1`, e.g. `/~1orders~1{orderId}`. */
  readonly resourcePath: string;
  /** `*` or a method. */
  readonly httpMethod: string;
  readonly throttlingRateLimit?: number | undefined;
  readonly throttlingBurstLimit?: number | undefined;
  readonly metricsEnabled: boolean;
}

export interface StageState {
  readonly name: string;
  readonly deploymentId?: string | undefined;
  readonly variables: Readonly<Record<string, string>>;
  readonly methodSettings: readonly MethodSetting[];
  readonly tracingEnabled: boolean;
}

export interface RequestValidatorState {
  readonly id: string;
  readonly validateRequestBody: boolean;
  readonly validateRequestParameters: boolean;
}

/** A customized gateway response (AWS::ApiGateway::GatewayResponse). */
export interface GatewayResponseConfig {
  readonly responseType: string;
  readonly statusCode?: number | undefined;
  /** `gatewayresponse.header.<Name>` -> `'static value'`. */
  readonly responseParameters: Readonly<Record<string, string>>;
  readonly responseTemplates: Readonly<Record<string, string>>;
}

export interface RestApiState {
  readonly id: string;
  readonly name: string;
  readonly stackName: string;
  readonly logicalId: string;
  readonly rootResourceId: string;
  /** Content types sent to and returned from the integration as binary (base64 for Lambda). */
  readonly binaryMediaTypes: readonly string[];
  readonly resources: Map<string, ResourceState>;
  readonly stages: Map<string, StageState>;
  readonly validators: Map<string, RequestValidatorState>;
  readonly models: Map<string, unknown>;
  readonly gatewayResponses: Map<string, GatewayResponseConfig>;
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A stable id of `length` lowercase letters and digits, derived from `seed` (the stack and logical id), so the
 * local API keeps its id, and its URLs, across restarts.
 */
export const stableId = (seed: string, length: number): string => {
  const digest = createHash('sha256').update(seed).digest();
  let id = '';
  for (let i = 0; i < length; i++) id += ID_ALPHABET[(digest[i] ?? 0) % ID_ALPHABET.length];
  return id;
};

const asRecord = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

const asString = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;

const asNumber = (value: unknown): number | undefined => {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
};

/** CloudFormation passes booleans as `true` or `"true"`. */
const asBoolean = (value: unknown): boolean => value === true || value === 'true';

const stringMap = (value: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [key, entry] of Object.entries(asRecord(value))) {
    const text = asString(entry);
    if (text !== undefined) out[key] = text;
  }
  return out;
};

export const parseIntegration = (value: unknown): IntegrationConfig | undefined => {
  const integration = asRecord(value);
  const type = asString(integration.Type);
  if (!type) return undefined;
  const responses = Array.isArray(integration.IntegrationResponses) ? integration.IntegrationResponses : [];
  return {
    type: type.toUpperCase(),
    uri: asString(integration.Uri),
    timeoutMs: asNumber(integration.TimeoutInMillis) ?? 29_000,
    responses: responses.map((entry) => {
      const response = asRecord(entry);
      return {
        statusCode: asString(response.StatusCode) ?? '200',
        selectionPattern: asString(response.SelectionPattern),
        responseParameters: stringMap(response.ResponseParameters),
        responseTemplates: stringMap(response.ResponseTemplates),
      };
    }),
  };
};

export const parseMethod = (properties: Readonly<Record<string, unknown>>): MethodState => {
  const requestParameters: Record<string, boolean> = {};
  for (const [key, required] of Object.entries(asRecord(properties.RequestParameters))) {
    requestParameters[key] = asBoolean(required);
  }
  return {
    httpMethod: (asString(properties.HttpMethod) ?? 'ANY').toUpperCase(),
    authorizationType: (asString(properties.AuthorizationType) ?? 'NONE').toUpperCase(),
    integration: parseIntegration(properties.Integration),
    requestParameters,
    requestValidatorId: asString(properties.RequestValidatorId),
    requestModels: stringMap(properties.RequestModels),
    apiKeyRequired: asBoolean(properties.ApiKeyRequired),
  };
};

const parseMethodSettings = (value: unknown): MethodSetting[] =>
  (Array.isArray(value) ? value : []).map((entry) => {
    const setting = asRecord(entry);
    return {
      resourcePath: asString(setting.ResourcePath) ?? '/*',
      httpMethod: (asString(setting.HttpMethod) ?? '*').toUpperCase(),
      throttlingRateLimit: asNumber(setting.ThrottlingRateLimit),
      throttlingBurstLimit: asNumber(setting.ThrottlingBurstLimit),
      metricsEnabled: asBoolean(setting.MetricsEnabled),
    };
  });

/** An AWS::ApiGateway::Stage. */
export const parseStage = (properties: Readonly<Record<string, unknown>>, name: string): StageState => ({
  name,
  deploymentId: asString(properties.DeploymentId),
  variables: stringMap(properties.Variables),
  methodSettings: parseMethodSettings(properties.MethodSettings),
  tracingEnabled: asBoolean(properties.TracingEnabled),
});

/**
 * The stage an AWS::ApiGateway::Deployment creates when it names one (`StageName` + `StageDescription`);
 * the stage-level throttling of `StageDescription` becomes a `/*` `*` method setting, as on AWS.
 */
export const parseDeploymentStage = (
  properties: Readonly<Record<string, unknown>>,
  deploymentId: string,
): StageState | undefined => {
  const name = asString(properties.StageName);
  if (!name) return undefined;
  const description = asRecord(properties.StageDescription);
  const settings = parseMethodSettings(description.MethodSettings);
  const rate = asNumber(description.ThrottlingRateLimit);
  const burst = asNumber(description.ThrottlingBurstLimit);
  if (rate !== undefined || burst !== undefined || asBoolean(description.MetricsEnabled)) {
    settings.unshift({
      resourcePath: '/*',
      httpMethod: '*',
      throttlingRateLimit: rate,
      throttlingBurstLimit: burst,
      metricsEnabled: asBoolean(description.MetricsEnabled),
    });
  }
  return {
    name,
    deploymentId,
    variables: stringMap(description.Variables),
    methodSettings: settings,
    tracingEnabled: asBoolean(description.TracingEnabled),
  };
};

export const parseValidator = (
  properties: Readonly<Record<string, unknown>>,
  id: string,
): RequestValidatorState => ({
  id,
  validateRequestBody: asBoolean(properties.ValidateRequestBody),
  validateRequestParameters: asBoolean(properties.ValidateRequestParameters),
});

export const parseGatewayResponse = (
  properties: Readonly<Record<string, unknown>>,
): GatewayResponseConfig => ({
  responseType: (asString(properties.ResponseType) ?? 'DEFAULT_4XX').toUpperCase(),
  statusCode: asNumber(properties.StatusCode),
  responseParameters: stringMap(properties.ResponseParameters),
  responseTemplates: stringMap(properties.ResponseTemplates),
});

export const newRestApi = (
  properties: Readonly<Record<string, unknown>>,
  stackName: string,
  logicalId: string,
): RestApiState => {
  const id = stableId(`${stackName}/${logicalId}`, 10);
  const rootResourceId = stableId(`${stackName}/${logicalId}/root`, 10);
  return {
    id,
    name: asString(properties.Name) ?? logicalId,
    stackName,
    logicalId,
    rootResourceId,
    binaryMediaTypes: (Array.isArray(properties.BinaryMediaTypes) ? properties.BinaryMediaTypes : [])
      .map(asString)
      .filter((type): type is string => type !== undefined)
      // In the API the `/` of a media type is escaped as `~1`; CloudFormation takes it either way.
      .map((type) => type.replaceAll('~1', '/')),
    resources: new Map([[rootResourceId, { id: rootResourceId, methods: new Map() }]]),
    stages: new Map(),
    validators: new Map(),
    models: new Map(),
    gatewayResponses: new Map(),
  };
};

/** The full path of a resource (`/orders/{orderId}`), following its parents up to the root. */
export const resourcePathOf = (api: RestApiState, resourceId: string): string | undefined => {
  const parts: string[] = [];
  let current = api.resources.get(resourceId);
  for (let depth = 0; current && depth < 64; depth++) {
    if (current.parentId === undefined) return `/${parts.reverse().join('/')}`;
    parts.push(current.pathPart ?? '');
    current = api.resources.get(current.parentId);
  }
  return undefined;
};

export { asBoolean, asRecord, asString };

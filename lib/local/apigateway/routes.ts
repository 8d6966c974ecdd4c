/**
 * The route table of a REST API: its resources as a tree of path parts, matched the way API Gateway selects a
 * resource. At each level a literal part wins over a `{param}` part, which wins over a greedy `{proxy+}` part
 * (which takes one or more remaining segments); when a branch fails to match the rest of the path, the next
 * candidate is tried.
 */
import { type MethodState, type RestApiState, resourcePathOf } from './model.ts';

interface RouteNode {
  /** The API resource at this node. */
  resourceId?: string;
  resourcePath?: string;
  readonly literals: Map<string, RouteNode>;
  param?: { readonly name: string; readonly node: RouteNode };
  greedy?: { readonly name: string; readonly node: RouteNode };
}

export interface RouteTable {
  readonly root: RouteNode;
}

export interface RouteMatch {
  readonly resourceId: string;
  /** The resource's path template, `/orders/{orderId}`: the event's `resource`. */
  readonly resourcePath: string;
  /** Path parameter values as the client sent them (still percent-encoded, as REST APIs pass them). */
  readonly pathParameters: Readonly<Record<string, string>>;
}

const newNode = (): RouteNode => ({ literals: new Map() });

const PARAM = /^\{([A-Za-z0-9._-]+)\}$/;
const GREEDY = /^\{([A-Za-z0-9._-]+)\+\}$/;

/** Builds the tree from the API's resources. Resources whose parent chain is broken are left out. */
export const buildRouteTable = (api: RestApiState): RouteTable => {
  const root = newNode();
  for (const resource of api.resources.values()) {
    const path = resourcePathOf(api, resource.id);
    if (path === undefined) continue;
    let node = root;
    for (const part of path.split('/').filter((segment) => segment !== '')) {
      const greedy = GREEDY.exec(part);
      const param = PARAM.exec(part);
      if (greedy?.[1]) {
        node.greedy ??= { name: greedy[1], node: newNode() };
        node = node.greedy.node;
      } else if (param?.[1]) {
        node.param ??= { name: param[1], node: newNode() };
        node = node.param.node;
      } else {
        let next = node.literals.get(part);
        if (!next) {
          next = newNode();
          node.literals.set(part, next);
        }
        node = next;
      }
    }
    node.resourceId = resource.id;
    node.resourcePath = path;
  }
  return { root };
};

const matchFrom = (
  node: RouteNode,
  segments: readonly string[],
  index: number,
  parameters: Record<string, string>,
): RouteMatch | undefined => {
  if (index === segments.length) {
    return node.resourceId !== undefined && node.resourcePath !== undefined
      ? { resourceId: node.resourceId, resourcePath: node.resourcePath, pathParameters: { ...parameters } }
      : undefined;
  }
  const segment = segments[index] ?? '';
  const literal = node.literals.get(segment);
  if (literal) {
    const found = matchFrom(literal, segments, index + 1, parameters);
    if (found) return found;
  }
  if (node.param && segment !== '') {
    const found = matchFrom(node.param.node, segments, index + 1, {
      ...parameters,
      [node.param.name]: segment,
    });
    if (found) return found;
  }
  if (
    node.greedy &&
    node.greedy.node.resourceId !== undefined &&
    node.greedy.node.resourcePath !== undefined
  ) {
    return {
      resourceId: node.greedy.node.resourceId,
      resourcePath: node.greedy.node.resourcePath,
      pathParameters: { ...parameters, [node.greedy.name]: segments.slice(index).join('/') },
    };
  }
  return undefined;
};

/**
 * The resource that serves `path` (without the stage), or undefined. One trailing slash is ignored, as API
 * Gateway does; empty segments (`//`) match nothing.
 */
export const matchRoute = (table: RouteTable, path: string): RouteMatch | undefined => {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  if (!trimmed.startsWith('/')) return undefined;
  const segments = trimmed === '/' ? [] : trimmed.slice(1).split('/');
  if (segments.some((segment) => segment === '')) return undefined;
  return matchFrom(table.root, segments, 0, {});
};

/** The method of a resource for an HTTP method: the exact one, else ANY. */
export const methodFor = (
  api: RestApiState,
  resourceId: string,
  httpMethod: string,
): MethodState | undefined => {
  const methods = api.resources.get(resourceId)?.methods;
  return methods?.get(httpMethod.toUpperCase()) ?? methods?.get('ANY');
};

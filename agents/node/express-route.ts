import type { IncomingMessage } from 'node:http';

/**
 * The route pattern that handled an express request, with the mount path of its router
 * (`/orders/:id`, never the raw path with an order id in it), or undefined when no route matched.
 * Express sets `req.route` on the request object itself when a route takes it, and it is still there
 * when the response closes: the RED metrics label by it, and tracing names the request's span by it.
 * Anything else (a plain http request, an outgoing ClientRequest) has none.
 */
export function expressRoute(req: IncomingMessage | object): string | undefined {
  const { route, baseUrl } = req as { route?: { path?: unknown }; baseUrl?: unknown };
  if (!route || route.path === undefined) return undefined;
  return `${typeof baseUrl === 'string' ? baseUrl : ''}${String(route.path)}`;
}

/**
 * hourglass/http: the REST API, Prometheus /metrics and the dashboard page, on node:http alone.
 *   createHttpHandler(scheduler, { token, basePath }) → a (req, res) handler for your own server or app
 *   serve(scheduler, { port, host, token, basePath }) → its own server; { port, url, close() }
 * Routes, shapes and errors: docs/http.md.
 */
export { createHttpHandler, type HttpHandler, type HttpHandlerOptions } from './handler.js';
export { serve, type ServeOptions, type RunningServer } from './serve.js';
export { HttpError } from './errors.js';
export { toHttpJob, type HttpJob } from './job-view.js';

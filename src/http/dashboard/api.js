// The API client: URLs relative to the page (so any basePath works), the bearer token kept in this tab's
// sessionStorage, and errors as ApiError { status, code, message } from the API's { error: { code, message } }.

// The page is served at {basePath}/ (a path without the slash redirects there): the API is beside it.
const base = location.pathname.endsWith('/') ? location.pathname : location.pathname.replace(/[^/]*$/, '');
const TOKEN_KEY = 'hourglass-token';
let token = sessionStorage.getItem(TOKEN_KEY) || '';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function setToken(value) {
  token = value;
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** JSON in and out. `signal` aborts it (a newer poll replaces an older one). */
export async function api(method, path, body, signal) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = 'Bearer ' + token;
  let res;
  try {
    res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError(0, 'UNREACHABLE', 'Cannot reach the hourglass API: ' + error.message);
  }
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const err = (json && json.error) || {};
    throw new ApiError(res.status, err.code || 'HTTP_' + res.status, err.message || res.statusText || 'HTTP ' + res.status);
  }
  return json;
}

export const enc = encodeURIComponent;

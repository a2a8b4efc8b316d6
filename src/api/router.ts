// Routes as Docker writes them: `/images/{name:.*}/json` where `{name:.*}` may hold slashes.
import type { Context } from './http.js';

export type Handler = (ctx: Context) => Promise<void>;

interface Route {
  method: string;
  regex: RegExp;
  names: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    const names: string[] = [];
    const source = pattern.replace(/[.+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)(?::([^}]+))?\}/g, (_m, name: string, re?: string) => {
      names.push(name);
      return `(${re ? re.replace(/\\([.])/g, '$1') : '[^/]+'})`;
    });
    this.routes.push({ method, regex: new RegExp(`^${source}$`), names, handler });
    return this;
  }

  get(pattern: string, handler: Handler): this { return this.add('GET', pattern, handler); }
  head(pattern: string, handler: Handler): this { return this.add('HEAD', pattern, handler); }
  post(pattern: string, handler: Handler): this { return this.add('POST', pattern, handler); }
  put(pattern: string, handler: Handler): this { return this.add('PUT', pattern, handler); }
  delete(pattern: string, handler: Handler): this { return this.add('DELETE', pattern, handler); }

  /** Returns the handler and path parameters, or why nothing matched (404 vs 405). */
  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | 'not-found' | 'method-not-allowed' {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.regex.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      route.names.forEach((n, i) => { params[n] = decodeURIComponent(m[i + 1]!); });
      return { handler: route.handler, params };
    }
    return pathMatched ? 'method-not-allowed' : 'not-found';
  }
}

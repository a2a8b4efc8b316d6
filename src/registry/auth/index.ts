// Who may do what. A request names the access it needs (`repository:NAME:pull,push`); an
// authorizer lets it through or throws UNAUTHORIZED with the challenge a client answers.
export interface Access {
  type: 'repository' | 'registry';
  name: string;
  actions: string[];
}

export interface Authorizer {
  authorize(authorization: string | undefined, access: Access[]): Promise<void>;
}

/** No --htpasswd and no --token-realm: everyone may do everything. */
export const openAccess: Authorizer = {
  authorize: () => Promise.resolve(),
};

export function scopeString(a: Access): string {
  return `${a.type}:${a.name}:${a.actions.join(',')}`;
}

export { HtpasswdAuthorizer } from './htpasswd.js';
export { TokenAuthorizer, type TokenOptions } from './token.js';

// The Engine API's GET /images/search result, shared by the registry client and the API client.
export interface SearchResult {
  name: string;
  description: string;
  star_count: number;
  is_official: boolean;
  is_automated: boolean;
}

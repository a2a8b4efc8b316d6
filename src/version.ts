// The version of tug, shared by the CLI and the daemon.
export const TUG_VERSION = '0.1.0';

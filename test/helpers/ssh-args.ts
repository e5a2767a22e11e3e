/**
 * What every ssh the agent starts for a remote on port 2222 begins with (the unit tests' ssh
 * fixtures, connect timeout 10 s): spelled out once, so a change to it is one edit in the tests too.
 */
export const SSH_2222_OPTS = ['-o', 'ConnectTimeout=10', '-p', '2222', '-o', 'BatchMode=yes'] as const;

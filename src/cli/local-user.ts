import { userInfo } from 'node:os';
import { readSetting } from '../core/config.js';

/**
 * The person running the CLI on the embedded store: the audit log's actor for what the command
 * changes, and the requester or approver of a promotion. MLOOP_USER names someone else (a shared
 * service account running on a person's behalf).
 */
export function localUser(): string {
  const configured = readSetting('user');
  if (configured) return configured;
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (a container's arbitrary uid): the environment is all there is.
    return process.env.USER || process.env.USERNAME || 'local';
  }
}

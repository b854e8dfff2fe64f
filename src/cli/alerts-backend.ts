import { loadConfig } from '../core/config.js';
import { withNotFoundHint } from '../core/errors.js';
import type {
  Alert,
  AlertRule,
  AlertRuleInput,
  Evaluation,
  ListAlertsInput,
} from '../monitoring/alerts/types.js';

/** The alert operations the CLI uses: in-process on the embedded store, or over HTTP on a server. */
export interface AlertOperations {
  createRule(input: AlertRuleInput): Promise<AlertRule>;
  listRules(): Promise<AlertRule[]>;
  getRule(name: string): Promise<AlertRule>;
  deleteRule(name: string): Promise<void>;
  setEnabled(name: string, enabled: boolean): Promise<AlertRule>;
  evaluate(name: string): Promise<Evaluation>;
  listAlerts(input?: ListAlertsInput): Promise<Alert[]>;
}

/** Added to not-found messages of alert commands. */
export const rulesHint = 'see `mloop monitor alerts rules list`';

/**
 * Runs a command's work on the alerts of the server (`--url`, else MLOOP_URL) or of the
 * embedded store, closing it afterwards (and waiting for webhooks the work started).
 */
export async function withAlerts<T>(
  options: { url?: string | undefined },
  work: (alerts: AlertOperations) => Promise<T>,
  notFoundHint: string = rulesHint,
): Promise<T> {
  const config = loadConfig(options.url ? { url: options.url } : {});
  let operations: AlertOperations;
  let close: () => Promise<void>;
  if (config.url) {
    const { HttpClient } = await import('../sdk/http.js');
    const { AlertsClient } = await import('../sdk/alerts.js');
    operations = new AlertsClient(new HttpClient({ url: config.url }));
    close = async () => {};
  } else {
    const { openPlatform } = await import('../platform.js');
    const platform = await openPlatform(config);
    const { rules, log, evaluator } = platform.monitoring.alerts;
    operations = {
      createRule: (input) => rules.create(input),
      listRules: () => rules.list(),
      getRule: (name) => rules.get(name),
      deleteRule: (name) => rules.delete(name),
      setEnabled: (name, enabled) => rules.setEnabled(name, enabled),
      evaluate: (name) => evaluator.evaluate(name),
      listAlerts: (input) => log.list(input),
    };
    close = () => platform.close();
  }
  try {
    return await work(operations);
  } catch (error) {
    throw withNotFoundHint(error, notFoundHint);
  } finally {
    await close();
  }
}

import type {
  Alert,
  AlertRule,
  AlertRuleInput,
  Evaluation,
  ListAlertsInput,
} from '../monitoring/alerts/types.js';
import { encodePath, type HttpClient } from './http.js';

/** Alert rules and alerts on a mloop server (`/api/v1/alert-rules`, `/api/v1/alerts`). */
export class AlertsClient {
  constructor(private readonly http: HttpClient) {}

  /** Creates a rule; the server checks every field and names the wrong one. */
  async createRule(input: AlertRuleInput): Promise<AlertRule> {
    return this.http.json<AlertRule>('POST', '/api/v1/alert-rules', { json: input });
  }

  /** Every rule, by name, with its last evaluation. */
  async listRules(): Promise<AlertRule[]> {
    return (await this.http.json<{ rules: AlertRule[] }>('GET', '/api/v1/alert-rules')).rules;
  }

  async getRule(name: string): Promise<AlertRule> {
    return this.http.json<AlertRule>('GET', `/api/v1/alert-rules/${encodePath(name)}`);
  }

  /** Deletes a rule; its alerts stay listed. */
  async deleteRule(name: string): Promise<void> {
    await this.http.json('DELETE', `/api/v1/alert-rules/${encodePath(name)}`);
  }

  /** Turns a rule's scheduled evaluation on or off. */
  async setEnabled(name: string, enabled: boolean): Promise<AlertRule> {
    return this.http.json<AlertRule>(
      'POST',
      `/api/v1/alert-rules/${encodePath(name)}/${enabled ? 'enable' : 'disable'}`,
    );
  }

  /** Evaluates a rule now; it may fire or resolve an alert. */
  async evaluate(name: string): Promise<Evaluation> {
    return this.http.json<Evaluation>('POST', `/api/v1/alert-rules/${encodePath(name)}/evaluate`);
  }

  /** Alerts newest first, optionally of one rule, one status, fired within [from, to). */
  async listAlerts(input: ListAlertsInput = {}): Promise<Alert[]> {
    const { alerts } = await this.http.json<{ alerts: Alert[] }>('GET', '/api/v1/alerts', {
      query: {
        rule: input.rule,
        status: input.status,
        from: input.from,
        to: input.to,
        max_results: input.maxResults,
      },
    });
    return alerts;
  }
}

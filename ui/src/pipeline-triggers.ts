/** A pipeline definition's triggers, as the API returns them (see PipelineTriggers on the server). */
export interface PipelineTriggers {
  cron?: (string | { schedule: string; timezone?: string })[];
  datasets?: string[];
  alerts?: { rule?: string; model?: string }[];
  webhook?: { secretEnv: string };
}

/** One short phrase per trigger that starts runs besides a manual start: "cron 0 3 * * MON", "dataset customers". */
export function declaredTriggers(triggers: PipelineTriggers | undefined): string[] {
  if (!triggers) return [];
  return [
    ...(triggers.cron ?? []).map((c) =>
      typeof c === 'string' ? `cron ${c}` : `cron ${c.schedule}${c.timezone ? ` (${c.timezone})` : ''}`,
    ),
    ...(triggers.datasets ?? []).map((d) => `dataset ${d}`),
    ...(triggers.alerts ?? []).map((a) =>
      a.rule || a.model
        ? `alert ${[a.rule, a.model && `on ${a.model}`].filter(Boolean).join(' ')}`
        : 'any alert',
    ),
    ...(triggers.webhook ? ['webhook'] : []),
  ];
}

/** What started a run: "alert: churn-drift", "dataset: customers/3", "cron: 0 3 * * *". */
export function triggerText(trigger: { kind: string; detail: Record<string, unknown> }): string {
  const d = trigger.detail;
  const what =
    trigger.kind === 'alert'
      ? d.rule
      : trigger.kind === 'dataset'
        ? `${String(d.name)}/${String(d.version)}`
        : trigger.kind === 'cron'
          ? d.schedule
          : trigger.kind === 'webhook'
            ? (d.commit ?? d.ref)
            : undefined;
  return what === undefined ? trigger.kind : `${trigger.kind}: ${String(what)}`;
}

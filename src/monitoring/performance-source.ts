/**
 * Where alert rules read model performance from: predictions joined with the labels that came
 * back as feedback. The feedback domain implements it; the platform wires it when present.
 */
export interface PerformanceSource {
  /**
   * The metric (`accuracy`, `f1`, `auc`, `rmse`…) over the labelled predictions of `model` made in
   * [from, to), of one version when `version` is given, of one deployment when `deployment` is.
   * Undefined when no prediction in the window has a label yet.
   */
  metric(input: {
    model: string;
    version?: number | undefined;
    deployment?: string | undefined;
    metric: string;
    from: number;
    to: number;
  }): Promise<number | undefined>;
}

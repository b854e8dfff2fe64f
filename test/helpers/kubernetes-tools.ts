import { describe } from 'vitest';
import { testServiceFromEnv } from './test-services.js';

/**
 * helm, kubeconform and Kubernetes' JSON schemas for the chart's tests (`npm test` installs them
 * through scripts/lib/kubernetes-tools.sh and sets these variables).
 */
export interface KubernetesTools {
  helm: string;
  kubeconform: string;
  /** Directory holding `v<version>-local-strict/<kind>-<group>-<version>.json`. */
  schemas: string;
  /** The Kubernetes release the manifests are validated against, e.g. `1.33.0`. */
  kubernetesVersion: string;
}

export function kubernetesTools(): KubernetesTools | undefined {
  const helm = testServiceFromEnv('MLOOP_TEST_HELM', 'helm');
  const kubeconform = testServiceFromEnv('MLOOP_TEST_KUBECONFORM', 'kubeconform');
  const schemas = testServiceFromEnv('MLOOP_TEST_KUBERNETES_SCHEMAS', "Kubernetes' JSON schemas");
  const kubernetesVersion = process.env.MLOOP_TEST_KUBERNETES_VERSION;
  if (!helm || !kubeconform || !schemas || !kubernetesVersion) return undefined;
  return { helm, kubeconform, schemas, kubernetesVersion };
}

/** `describe` for suites that render and validate the Helm chart: skipped outside `npm test` without the tools. */
export const describeWithKubernetesTools = kubernetesTools() ? describe : describe.skip;

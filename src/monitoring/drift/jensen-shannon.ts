/**
 * Jensen–Shannon distance, as `scipy.spatial.distance.jensenshannon(p, q)` with its default natural
 * logarithm: both vectors are normalised to sum to 1, m = (p + q)/2, and
 * JSD = sqrt((KL(p‖m) + KL(q‖m)) / 2), where a zero pᵢ contributes 0 (scipy.special.rel_entr).
 * It lies in [0, sqrt(ln 2)] ≈ [0, 0.8326]. Evidently feeds it the same aligned proportions as
 * PSI, without the empty-bin fill; drift when the distance >= threshold (0.1 by default).
 */
export function jensenShannonDistance(p: Float64Array, q: Float64Array): number {
  let sumP = 0;
  let sumQ = 0;
  for (const v of p) sumP += v;
  for (const v of q) sumQ += v;
  let divergence = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = (p[i] ?? 0) / sumP;
    const qi = (q[i] ?? 0) / sumQ;
    const mi = (pi + qi) / 2;
    if (pi > 0) divergence += pi * Math.log(pi / mi);
    if (qi > 0) divergence += qi * Math.log(qi / mi);
  }
  return Math.sqrt(Math.max(0, divergence) / 2);
}

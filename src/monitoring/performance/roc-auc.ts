/**
 * Area under the ROC curve of scores for a binary outcome, by the rank-sum (Mann–Whitney U)
 * identity: AUC = (R⁺ − n⁺(n⁺+1)/2) / (n⁺·n⁻), where R⁺ sums the ranks of the positives and tied
 * scores share their average rank. It equals scikit-learn's trapezoidal `roc_auc_score`, ties
 * included (a tie between a positive and a negative counts one half). Undefined (NaN) when the
 * outcomes are all positive or all negative.
 */
export function rocAuc(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < n;) {
    let end = start;
    while (end + 1 < n && scores[order[end + 1]!] === scores[order[start]!]) end++;
    const averageRank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) {
      if (positive[order[k]!]) {
        positives++;
        rankSum += averageRank;
      }
    }
    start = end + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

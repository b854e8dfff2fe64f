"""Reference values for mloop's drift statistics, computed with scipy and numpy.

Reads a JSON file of cases, writes a JSON file of results. Numeric cases get the two-sample KS test
(scipy.stats.ks_2samp, method 'auto'), the Wasserstein distance normed by the reference's standard
deviation, and Jensen-Shannon distance and PSI over Evidently's bins; categorical cases get the
chi-square test (scipy.stats.chisquare of current counts against scaled reference counts),
Jensen-Shannon distance, PSI and the two-proportion Z-test. Also kstwo.sf and smirnov on a grid.
Usage: python drift_reference.py CASES_JSON OUT_JSON
"""

import json
import sys
import warnings

import numpy as np
from scipy import stats
from scipy.spatial import distance
from scipy.special import smirnov


def fill_zeroes(p):
    p = p.copy()
    smallest = p[p != 0].min()
    p[p == 0] = smallest / 10**6 if smallest <= 0.0001 else 0.0001
    return p


def psi(r, c):
    r, c = fill_zeroes(r), fill_zeroes(c)
    return float(np.sum((r - c) * np.log(r / c)))


def binned(ref, cur):
    """Evidently's binning: Sturges bins over the pooled data, or one bin per value."""
    if len(np.unique(ref)) > 20:
        edges = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
        return np.histogram(ref, edges)[0] / len(ref), np.histogram(cur, edges)[0] / len(cur)
    keys = np.union1d(ref, cur)
    r = np.array([np.sum(ref == k) for k in keys]) / len(ref)
    c = np.array([np.sum(cur == k) for k in keys]) / len(cur)
    return r, c


def numeric_case(case):
    ref = np.asarray(case["reference"], dtype=float)
    cur = np.asarray(case["current"], dtype=float)
    ks = stats.ks_2samp(ref, cur)
    r, c = binned(ref, cur)
    return {
        "ksStatistic": float(ks.statistic),
        "ksPValue": float(ks.pvalue),
        "wassersteinNormed": float(stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001)),
        "jensenShannon": float(distance.jensenshannon(r, c)),
        "psi": psi(r, c),
    }


def categorical_case(case):
    ref_counts, cur_counts = case["reference"], case["current"]
    keys = sorted(set(ref_counts) | set(cur_counts))
    ref = np.array([ref_counts.get(k, 0) for k in keys], dtype=float)
    cur = np.array([cur_counts.get(k, 0) for k in keys], dtype=float)
    n_ref, n_cur = ref.sum(), cur.sum()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chi = stats.chisquare(cur, ref * (n_cur / n_ref))
    # Two-proportion Z-test on "not the first key", as Evidently writes it.
    p1 = (n_ref - ref[0]) / n_ref
    p2 = (n_cur - cur[0]) / n_cur
    pooled = (p1 * n_ref + p2 * n_cur) / (n_ref + n_cur)
    if pooled in (0.0, 1.0):
        z_p = 1.0
    else:
        z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / n_ref + 1 / n_cur))
        z_p = float(2 * stats.norm.sf(abs(z)))
    return {
        "chiSquareStatistic": float(chi.statistic),
        "chiSquarePValue": float(chi.pvalue),
        "jensenShannon": float(distance.jensenshannon(ref / n_ref, cur / n_cur)),
        "psi": psi(ref / n_ref, cur / n_cur),
        "zPValue": z_p,
    }


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    out = {
        "numeric": [numeric_case(c) for c in cases["numeric"]],
        "categorical": [categorical_case(c) for c in cases["categorical"]],
        "kolmogorov": [float(stats.kstwo.sf(x, n)) for n, x in cases["kolmogorov"]],
        "smirnov": [float(smirnov(n, x)) for n, x in cases["kolmogorov"]],
    }
    with open(sys.argv[2], "w") as f:
        json.dump(finite_or_text(out), f, allow_nan=False)


def finite_or_text(value):
    """JSON has no Infinity or NaN: those travel as the strings "Infinity", "-Infinity", "NaN"."""
    if isinstance(value, float) and not np.isfinite(value):
        return str(value).replace("inf", "Infinity").replace("nan", "NaN")
    if isinstance(value, dict):
        return {k: finite_or_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite_or_text(v) for v in value]
    return value


if __name__ == "__main__":
    main()

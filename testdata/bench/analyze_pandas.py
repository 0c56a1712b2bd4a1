#!/usr/bin/python3
"""The pandas/scipy baseline of the `delphi analyze` benchmark (docs/benchmarks.md).

It computes what `delphi analyze --scale 1-9 --format csv` computes for every
round x statement of a long-form ratings file (expert, round, statement,
rating; "unable" and NA/empty allowed):

  * descriptives over valid ratings: n, n_unable, n_missing, mean, sample SD,
    min, max, median;
  * R type-6 (SPSS) quartiles Q1, Q3, IQR and P30, P70;
  * % agree (7-9), % neutral, % disagree (1-3) and the percent-agreement
    decision (>= 75 %);
  * Kendall's W per round, tie-corrected, experts with any missing answer
    dropped (SPSS), with chi-square and p;
  * against the previous round: Wilcoxon signed-rank (zeros dropped,
    normal approximation without continuity correction) and McNemar's
    exact binomial test on agree / not agree.

It is written the way an analyst would write it with pandas and scipy:
vectorised where pandas offers it, a loop over statements for the paired
tests. Usage:

    /usr/bin/python3 analyze_pandas.py ratings.csv > out.csv
"""
import sys
import warnings

import numpy as np
import pandas as pd
from scipy import stats

LO, HI = 1, 9
AGREE_LO, DISAGREE_HI = 7, 3
THRESHOLD = 75.0


def main(path):
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.columns = [c.strip().lower() for c in df.columns]
    df["round"] = df["round"].astype(int)
    rating = df["rating"].str.strip().str.lower()
    df["unable"] = rating == "unable"
    missing = (rating == "") | (rating == "na")
    df["value"] = pd.to_numeric(rating.where(~df["unable"] & ~missing), errors="raise")
    if ((df["value"] < LO) | (df["value"] > HI)).any():
        raise SystemExit("rating off the scale")

    keys = ["round", "statement"]
    df["missing"] = missing
    counts = df.groupby(keys)[["unable", "missing"]].sum().rename(
        columns={"unable": "n_unable", "missing": "n_missing"})
    valid = df.dropna(subset=["value"])
    g = valid.groupby(keys)["value"]
    out = g.agg(n="count", mean="mean", sd="std", min="min", max="max", median="median")
    out = out.join(counts)
    q = g.apply(lambda v: pd.Series(np.quantile(v.to_numpy(), [0.25, 0.75, 0.30, 0.70], method="weibull"),
                                    index=["q1", "q3", "p30", "p70"])).unstack()
    out = out.join(q)
    out["iqr"] = out["q3"] - out["q1"]
    bands = valid.assign(agree=valid["value"] >= AGREE_LO, disagree=valid["value"] <= DISAGREE_HI)
    cnt = bands.groupby(keys)[["agree", "disagree"]].sum()
    n = out["n"]
    out["pct_agree"] = 100 * cnt["agree"] / n
    out["pct_disagree"] = 100 * cnt["disagree"] / n
    out["pct_neutral"] = 100 * (n - cnt["agree"] - cnt["disagree"]) / n
    # ">= 75 %" decided on counts, not on rounded percentages
    out["decision"] = np.where(100 * cnt["agree"] >= THRESHOLD * n, "in",
                               np.where(100 * cnt["disagree"] >= THRESHOLD * n, "out", "none"))

    # Kendall's W per round: experts x statements, drop experts with any
    # unable or missing answer, rank within expert (midranks).
    wide = df.pivot_table(index="expert", columns=keys, values="value", aggfunc="first")
    kendall = {}
    rounds = sorted(df["round"].unique())
    for r in rounds:
        m = wide[r].dropna(axis=0, how="any")
        k, nst = m.shape
        if k < 2 or nst < 2:
            kendall[r] = (np.nan, np.nan)
            continue
        ranks = m.rank(axis=1)
        R = ranks.sum(axis=0).to_numpy()
        S = ((R - k * (nst + 1) / 2.0) ** 2).sum()
        ties = m.stack().groupby(level=0).value_counts().to_numpy()
        T = float((ties ** 3 - ties).sum())
        den = k * k * (nst ** 3 - nst) - k * T
        w = 12 * S / den if den > 0 else np.nan
        chi2 = k * (nst - 1) * w
        kendall[r] = (w, stats.chi2.sf(chi2, nst - 1))
    out["kendall_w"] = [kendall[r][0] for r, _ in out.index]
    out["kendall_p"] = [kendall[r][1] for r, _ in out.index]

    # Stability against the previous round, per statement.
    wil_z, wil_p, mc_p = [], [], []
    for r, s in out.index:
        prev = rounds.index(r) - 1
        if prev < 0 or (rounds[prev], s) not in wide.columns:
            wil_z.append(np.nan), wil_p.append(np.nan), mc_p.append(np.nan)
            continue
        a = wide[(rounds[prev], s)]
        b = wide[(r, s)]
        both = a.notna() & b.notna()
        a, b = a[both].to_numpy(), b[both].to_numpy()
        d = b - a
        if (d != 0).any():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = stats.wilcoxon(b, a, zero_method="wilcox", correction=False, method="approx")
            wil_z.append(res.zstatistic)
            wil_p.append(res.pvalue)
        else:
            wil_z.append(np.nan), wil_p.append(np.nan)
        ag_a, ag_b = a >= AGREE_LO, b >= AGREE_LO
        nb = int((ag_a & ~ag_b).sum())
        nc = int((~ag_a & ag_b).sum())
        mc_p.append(stats.binomtest(min(nb, nc), nb + nc).pvalue if nb + nc > 0 else 1.0)
    out["wilcoxon_z"] = wil_z
    out["wilcoxon_p"] = wil_p
    out["mcnemar_p"] = mc_p
    out.reset_index().to_csv(sys.stdout, index=False)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: analyze_pandas.py ratings.csv")
    main(sys.argv[1])

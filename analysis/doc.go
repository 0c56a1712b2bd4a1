// Package analysis computes the Delphi consensus statistics defined in
// testdata/SPEC.md: per-statement descriptives, quantiles (R types 6 and 7),
// consensus rules (percent agreement, COMET 70/15, median + IQR, RAND/UCLA),
// Kendall's W, stability between rounds (Wilcoxon signed-rank, McNemar),
// subgroup tests (Kruskal–Wallis, Mann–Whitney) and the round flow figures.
// It also combines the decisions of statements rated on several criteria
// ([CombineDecisions]), and summarises ranking questions ([AnalyzeRanking])
// and numeric estimates ([SummarizeEstimates], [CompareEstimates]); SPEC.md does not
// cover these yet, so their conventions are listed below, and their
// reference values come from R (testdata/ranking_numeric.R).
//
// Every function is pure: no I/O, no global state, safe for concurrent use.
// The package imports nothing else from this module, so the web platform, the
// `delphi analyze` command and any exporter compute identical numbers.
//
// # Conventions
//
//   - Only valid ratings count. A [Response] is a rating, [Unable] ("unable to
//     rate") or [Missing] (no answer). n is the number of valid ratings and is
//     the denominator of every percentage; UNABLE and MISSING are counted
//     separately (SPEC §0.1).
//   - Undefined values (n too small, 0/0, a test without data) are an
//     [Opt] whose Valid is false. It marshals to JSON null, so exports show
//     null and never a made-up 0. Where it helps a reader, the result block
//     carries a Reason string.
//   - Decisions use exact arithmetic (SPEC §0.3). Thresholds are compared on
//     integers ("≥ 70 %" is 100·count ≥ 70·n), and quantiles of integer
//     ratings are computed as exact [Hundredths], so IQR ≤ 1 or IPR > IPRAS
//     never depend on floating-point noise such as 8.0 − 6.3 = 1.7000000000000002.
//   - Ratings are small integers, so descriptives, quantiles, ranks and the
//     rank tests are computed from frequency tables in O(n + scale points)
//     instead of sorting. This is also why the package does not use gonum's
//     stat.Quantile (it implements R types 1 and 4, not 6 or 7) or stat.Mode
//     (it returns an arbitrary mode); see SPEC §2.4.
//   - Means and variances are computed from exact integer sums, which gives
//     the correctly rounded value of the rational result (what the reference
//     vectors hold) without allocating a float slice for gonum's stat.Mean
//     and stat.StdDev.
//   - Distribution tails come from gonum's distuv (ChiSquared, Binomial),
//     except the normal tail: distuv.Normal.Survival computes 1 − erf(x),
//     which returns 0 beyond |z| ≈ 8.3 and loses relative precision before
//     that, so two-sided normal p-values use math.Erfc.
//
// # Ranking questions
//
//   - Each expert ranks t of the k items with the distinct ranks 1..t (t = k
//     is a full ranking, t = 0 no answer; [Unranked] marks the rest). A
//     duplicate rank, a rank outside 1..k, a gap or a row of the wrong
//     length is a [RankingError] naming the expert (and the item); nothing
//     is computed then. Ties are not accepted as input.
//   - Per item: n (experts who ranked it), mean and median rank over those
//     n (unranked positions are not imputed; the median is the same under
//     types 6 and 7), the count at each rank, and the top-k count with its
//     percentage over the experts who answered.
//   - Kendall's W is reported twice. [RankingResult.Kendall] uses complete
//     rankings only, as R's friedman.test drops a block with an NA and as
//     SPSS drops an expert with a missing item. [RankingResult.KendallTiedLast]
//     keeps every answering expert and gives the items below a top-t
//     ranking their shared midrank (t + 1 + k)/2, with the tie correction
//     T = Σ(u³ − u). Both share KendallW's formulas (SPEC §4).
//
// # Numeric estimates
//
//   - Valid estimates are finite float64 values; an undefined Opt is a
//     missing answer, and NaN or ±Inf is an error. Quartiles follow R's
//     quantile(type = 6 / 7) evaluated as R does ((1 − h)·x_j + h·x_(j+1)),
//     so they match R bit for bit; the mean follows R's two-pass mean.
//   - IQR/median is undefined (JSON null, reason "median is 0") when the
//     median is 0, and negative when the median is negative.
//   - The IQR change is later − earlier, each over all of its round's
//     estimates; the Wilcoxon signed-rank test uses the experts who
//     answered both rounds and is the rating test of SPEC §5.2, with |d|
//     tied only when bit-for-bit equal, as in R's wilcox.test.
package analysis

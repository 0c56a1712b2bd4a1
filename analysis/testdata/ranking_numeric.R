# Reference values for ranking questions and numeric estimates
# (analysis/ranking.go, analysis/estimates.go), computed independently in R.
#
# Regenerate from the repository root with:
#   Rscript analysis/testdata/ranking_numeric.R > analysis/testdata/ranking_numeric.json
# Needs the Debian packages r-base-core and r-cran-coin (coin gives the exact
# conditional and the Pratt Wilcoxon p-values). Inputs are written to the JSON
# with the expected values, so the Go tests read both from one file; the
# random cases use R's own generator (set.seed below), not Go's.
#
# Every number here comes from base R (mean, median, quantile, IQR, rank,
# tabulate, pchisq, pnorm, psignrank, wilcox.test, friedman.test) or coin,
# or from a formula written out in R; nothing is copied from the Go code.
# Labels (policy, method and reason strings) are the Go package's names for
# the situation that R detects here, so that the tests can compare them too.

suppressPackageStartupMessages(library(coin))

# ---------------------------------------------------------------------------
# A minimal JSON writer. Doubles are written with 17 significant digits, so
# they parse back to the identical float64; NA and NULL are null. A scalar is
# a length-1 vector; arr() marks a vector that must stay a JSON array.
arr <- function(x) structure(as.list(x), class = "jarr")

json <- function(x) {
  if (is.null(x)) return("null")
  if (inherits(x, "jarr")) {
    return(paste0("[", paste(vapply(unclass(x), json, ""), collapse = ","), "]"))
  }
  if (is.list(x)) {
    if (is.null(names(x))) {
      return(paste0("[", paste(vapply(x, json, ""), collapse = ","), "]"))
    }
    keys <- names(x)
    body <- vapply(seq_along(x), function(i) paste0(json(keys[i]), ":", json(x[[i]])), "")
    return(paste0("{", paste(body, collapse = ","), "}"))
  }
  stopifnot(length(x) == 1)
  if (is.na(x)) return("null")
  if (is.character(x)) {
    x <- gsub("\\\\", "\\\\\\\\", x)
    x <- gsub("\"", "\\\\\"", x)
    return(paste0("\"", x, "\""))
  }
  if (is.logical(x)) return(if (x) "true" else "false")
  if (is.numeric(x)) {
    if (x == round(x) && abs(x) < 2^53) return(sprintf("%.0f", x))
    return(sprintf("%.17g", x))
  }
  stop("json: unsupported type ", class(x))
}

# ---------------------------------------------------------------------------
# Kendall's W with ties.
#
# Kendall & Babington Smith (1939), Ann. Math. Statist. 10:275-287; the
# correction for ties as in Siegel & Castellan (1988), Nonparametric
# Statistics for the Behavioral Sciences, 2nd ed., chapter 9 (Kendall
# coefficient of concordance W), and in irr 0.84.1 R/kendall.R
# (correct = TRUE), as SPEC §4 states it:
#   ranks within each expert (row) with midranks, R_j = column rank sums,
#   S   = sum_j (R_j - m(k+1)/2)^2
#   T   = sum over experts of sum over tie groups (t^3 - t)
#   W   = 12 S / (m^2 (k^3 - k))
#   W_t = 12 S / (m^2 (k^3 - k) - m T)
#   chi2 = m (k - 1) W_t, df = k - 1, p = P(chi2_df >= chi2)
# chi2 is checked against friedman.test's tie-corrected statistic.
schmidt <- function(w) {
  c("very weak", "weak", "moderate", "strong", "unusually strong")[findInterval(w, c(0, 0.2, 0.4, 0.6, 0.8))]
}

kendall <- function(X, policy, dropped) {
  m <- nrow(X)
  k <- ncol(X)
  out <- list(policy = policy, m_experts = m, n_statements = k, experts_dropped = dropped)
  if (m < 2 || k < 2) {
    return(c(out, list(W = NA, W_tie_corrected = NA, chi2 = NA, df = NA, p = NA,
                       schmidt_band = NA, mean_spearman_rho = NA,
                       reason = "need m>=2 experts and k>=2 items")))
  }
  ranks <- t(apply(X, 1, rank)) # ties.method = "average": midranks
  Rj <- colSums(ranks)
  S <- sum((Rj - m * (k + 1) / 2)^2)
  Tt <- sum(apply(ranks, 1, function(r) {
    tt <- as.numeric(table(r))
    sum(tt^3 - tt)
  }))
  W <- 12 * S / (m^2 * (k^3 - k))
  Wt <- 12 * S / (m^2 * (k^3 - k) - m * Tt)
  chi2 <- m * (k - 1) * Wt
  fr <- friedman.test(X)
  stopifnot(isTRUE(all.equal(unname(fr$statistic), chi2, tolerance = 1e-12)))
  stopifnot(isTRUE(all.equal(unname(fr$p.value), pchisq(chi2, k - 1, lower.tail = FALSE), tolerance = 1e-12)))
  c(out, list(
    rank_sums = arr(Rj), S = S, T_ties = Tt, W = W, W_tie_corrected = Wt,
    chi2 = chi2, df = k - 1, p = pchisq(chi2, k - 1, lower.tail = FALSE),
    schmidt_band = schmidt(Wt), mean_spearman_rho = (m * Wt - 1) / (m - 1),
    small_n = k <= 7, reason = ""
  ))
}

# ---------------------------------------------------------------------------
# Ranking questions. R is experts x items; NA = unranked. An expert with no
# rank at all did not answer.
ranking_case <- function(id, description, R, top_k) {
  storage.mode(R) <- "double" # an all-NA matrix would be logical
  m <- nrow(R)
  k <- ncol(R)
  t_per <- rowSums(!is.na(R))
  answered <- t_per > 0
  n_ans <- sum(answered)
  items <- lapply(seq_len(k), function(j) {
    r <- R[answered, j]
    r <- r[!is.na(r)]
    n <- length(r)
    med <- if (n > 0) median(r) else NA
    if (n > 0) {
      # the median is the same under quantile types 6 and 7
      stopifnot(med == quantile(r, 0.5, type = 6, names = FALSE),
                med == quantile(r, 0.5, type = 7, names = FALSE))
    }
    list(
      n = n,
      n_unranked = n_ans - n,
      mean_rank = if (n > 0) mean(r) else NA,
      median_rank = med,
      distribution = arr(tabulate(r, nbins = k)),
      top_k_count = sum(r <= top_k),
      top_k_pct = if (n_ans > 0) 100 * sum(r <= top_k) / n_ans else NA
    )
  })

  complete <- R[complete.cases(R), , drop = FALSE]
  k_complete <- kendall(complete, "drop_experts_with_any_missing (SPSS Kendall's W / Friedman)", m - nrow(complete))
  if (nrow(complete) >= 2 && k >= 2) {
    # friedman.test drops the incomplete blocks itself: the same statistic.
    stopifnot(isTRUE(all.equal(unname(friedman.test(R)$statistic), k_complete$chi2, tolerance = 1e-12)))
  }
  filled <- R[answered, , drop = FALSE]
  filled[is.na(filled)] <- k + 1 # rank() turns the unranked tail into its midrank
  k_tied <- kendall(filled, "unranked_items_tied_last (top-t rankings; unranked items share the bottom midrank)", m - n_ans)

  rows <- lapply(seq_len(m), function(i) arr(R[i, ]))
  list(
    id = id, kind = "ranking", description = description,
    items = k, top_k = top_k, rankings_rows_are_experts = rows,
    expected = list(
      items = k, top_k = top_k, experts = m, answered = n_ans,
      complete = sum(t_per == k), n_missing = m - n_ans,
      per_item = items,
      kendall_complete = k_complete,
      kendall_tied_last = k_tied
    )
  )
}

rk <- function(...) matrix(c(...), ncol = length(list(...)[[1]]), byrow = TRUE)

ranking_cases <- list()
add_r <- function(x) ranking_cases[[length(ranking_cases) + 1]] <<- x

add_r(ranking_case("r01_full_no_missing", "6 experts rank 5 items fully; no ties, no missing", rbind(
  c(1, 2, 3, 4, 5),
  c(2, 1, 3, 5, 4),
  c(1, 3, 2, 4, 5),
  c(3, 1, 2, 5, 4),
  c(1, 2, 4, 3, 5),
  c(2, 1, 5, 3, 4)
), 2))

add_r(ranking_case("r02_topk_incomplete", "9 experts, 6 items: full, top-3, top-5 (k-1), top-1 rankings and 2 non-answers", rbind(
  c(1, 2, 3, 4, 5, 6),
  c(2, 1, 4, 3, 6, 5),
  c(1, 3, 2, 6, 4, 5),
  c(1, 2, NA, 3, NA, NA),
  c(NA, 1, 2, NA, 3, NA),
  c(3, 1, 2, 5, NA, 4),
  c(NA, NA, 1, NA, NA, NA),
  c(NA, NA, NA, NA, NA, NA),
  c(NA, NA, NA, NA, NA, NA)
), 3))

add_r(ranking_case("r03_identical", "4 experts give the same full ranking: W = 1", rbind(
  c(2, 1, 4, 3), c(2, 1, 4, 3), c(2, 1, 4, 3), c(2, 1, 4, 3)
), 1))

add_r(ranking_case("r04_n1", "one answering expert (n = 1) and one non-answer: W undefined", rbind(
  c(3, 1, 2, 4), c(NA, NA, NA, NA)
), 2))

add_r(ranking_case("r05_n2", "two experts (n = 2): one full, one top-1; only the tied-last W is defined", rbind(
  c(1, 2, 3), c(NA, 1, NA)
), 2))

add_r(ranking_case("r06_two_items", "k = 2 items, some experts rank only their first", rbind(
  c(1, 2), c(2, 1), c(1, NA), c(NA, 1), c(1, 2)
), 1))

add_r(ranking_case("r07_one_item", "k = 1: per-item figures only", rbind(
  c(1), c(NA), c(1)
), 1))

add_r(ranking_case("r08_nobody_answered", "3 experts, 3 items, no answers: everything undefined", rbind(
  c(NA, NA, NA), c(NA, NA, NA), c(NA, NA, NA)
), 2))

set.seed(20261206)
gen_rankings <- function(m, k, lengths) {
  pref <- seq(2, 0.2, length.out = k) # items earlier in the list tend to rank higher
  t(vapply(seq_len(m), function(i) {
    order_i <- order(-(pref + rnorm(k, sd = 1.2)))
    r <- integer(k)
    r[order_i] <- seq_len(k)
    t_i <- sample(lengths, 1)
    r[r > t_i] <- NA
    as.numeric(r)
  }, numeric(k)))
}
add_r(ranking_case("r09_random_40x12", "R-generated: 40 experts, 12 items, rankings of length 0, 3, 5, 11 or 12 (seed 20261206)",
  gen_rankings(40, 12, c(0, 3, 5, 11, 12, 12, 12)), 5))
add_r(ranking_case("r10_random_25x8_full", "R-generated: 25 experts fully rank 8 items",
  gen_rankings(25, 8, 8), 3))

# ---------------------------------------------------------------------------
# Numeric estimates.
quartiles <- function(v, type) {
  if (length(v) == 0) {
    return(list(q1 = NA, median = NA, q3 = NA, iqr = NA, iqr_per_median = NA, iqr_per_median_reason = ""))
  }
  q <- quantile(v, c(0.25, 0.5, 0.75), type = type, names = FALSE)
  iqr <- IQR(v, type = type)
  stopifnot(identical(iqr, q[3] - q[1]))
  list(
    q1 = q[1], median = q[2], q3 = q[3], iqr = iqr,
    iqr_per_median = if (q[2] == 0) NA else iqr / q[2],
    iqr_per_median_reason = if (q[2] == 0) "median is 0" else ""
  )
}

summ <- function(x) {
  v <- x[!is.na(x)]
  n <- length(v)
  list(
    n_total = length(x), n = n, n_missing = length(x) - n,
    mean = if (n > 0) mean(v) else NA,
    min = if (n > 0) min(v) else NA,
    max = if (n > 0) max(v) else NA,
    median = if (n > 0) median(v) else NA,
    type6 = quartiles(v, 6),
    type7 = quartiles(v, 7)
  )
}

# Wilcoxon signed-rank test on d = later - earlier (SPEC §5.2).
wilcoxon <- function(a, b) {
  ok <- !is.na(a) & !is.na(b)
  x <- b[ok]
  y <- a[ok]
  d <- x - y
  nz <- d[d != 0]
  n <- length(nz)
  out <- list(n_pairs = length(d), n_zero_diff = sum(d == 0), n_nonzero = n,
              n_positive = sum(nz > 0), n_negative = sum(nz < 0))
  if (n == 0) {
    return(c(out, list(
      W_plus = NA, W_minus = NA, T_min = NA, has_ties = FALSE, z = NA, p_asymptotic = NA,
      z_continuity = NA, p_asymptotic_continuity = NA, p_r_default = NA, r_default_method = "",
      p_scipy_1_10_default = NA, scipy_1_10_default_note = "", p_pratt_asymptotic = NA,
      p_exact_conditional = NA, exact_skipped = FALSE, small_n = FALSE,
      reason = if (length(d) == 0) "no pairs" else "all differences are zero"
    )))
  }
  r <- rank(abs(nz))
  wp <- sum(r[nz > 0])
  wm <- sum(r[nz < 0])
  tt <- as.numeric(table(r))
  ties <- sum(tt^3 - tt)
  mu <- n * (n + 1) / 4
  sigma <- sqrt(n * (n + 1) * (2 * n + 1) / 24 - ties / 48)
  z <- (wp - mu) / sigma
  zc <- (wp - mu - 0.5 * sign(wp - mu)) / sigma

  w_plain <- wilcox.test(x, y, paired = TRUE, exact = FALSE, correct = FALSE)
  w_corr <- wilcox.test(x, y, paired = TRUE, exact = FALSE, correct = TRUE)
  w_def <- suppressWarnings(wilcox.test(x, y, paired = TRUE))
  stopifnot(unname(w_plain$statistic) == wp, unname(w_def$statistic) == wp)
  stopifnot(isTRUE(all.equal(w_plain$p.value, 2 * pnorm(-abs(z)), tolerance = 1e-13)))
  has_ties <- any(tt > 1)
  exact_r <- n < 50 && !has_ties && sum(d == 0) == 0

  # scipy 1.10 wilcoxon() defaults, written out from its documented logic
  # (SPEC §5.2): the no-ties exact table on the truncated W+ when
  # len(d) <= 50 and no zeros, else the normal approximation without
  # continuity correction.
  if (length(d) <= 50 && sum(d == 0) == 0) {
    rp <- floor(wp)
    if (rp == floor(n * (n + 1) / 4)) {
      p_scipy <- 1
    } else {
      p_less <- psignrank(rp, n)
      p_greater <- psignrank(rp - 1, n, lower.tail = FALSE)
      p_scipy <- min(1, 2 * min(p_less, p_greater))
    }
    scipy_note <- if (has_ties) "exact (no-ties table, half-ranks truncated) because len(d)<=50 and no zeros; unreliable with ties" else "exact"
  } else {
    p_scipy <- w_plain$p.value
    scipy_note <- "normal approx, no continuity"
  }

  df <- data.frame(later = x, earlier = y)
  p_pratt <- pvalue(wilcoxsign_test(later ~ earlier, data = df, zero.method = "Pratt", distribution = "asymptotic"))
  p_exact <- if (n <= 100) {
    pvalue(wilcoxsign_test(later ~ earlier, data = df, zero.method = "Wilcoxon", distribution = "exact"))
  } else NA

  c(out, list(
    W_plus = wp, W_minus = wm, T_min = min(wp, wm), has_ties = has_ties,
    z = z, p_asymptotic = w_plain$p.value,
    z_continuity = zc, p_asymptotic_continuity = w_corr$p.value,
    p_r_default = w_def$p.value,
    r_default_method = if (exact_r) "exact" else "normal approx, continuity correction, tie-corrected variance",
    p_scipy_1_10_default = p_scipy, scipy_1_10_default_note = scipy_note,
    p_pratt_asymptotic = as.numeric(p_pratt), p_exact_conditional = as.numeric(p_exact),
    exact_skipped = n > 100, small_n = n < 10, reason = ""
  ))
}

estimates_case <- function(id, description, earlier, later) {
  earlier <- as.numeric(earlier)
  later <- as.numeric(later)
  se <- summ(earlier)
  sl <- summ(later)
  chg <- function(type) {
    a <- se[[type]]$iqr
    b <- sl[[type]]$iqr
    if (is.na(a) || is.na(b)) NA else b - a
  }
  list(
    id = id, kind = "estimates", description = description,
    earlier = arr(earlier), later = arr(later),
    expected = list(
      earlier = se, later = sl,
      iqr_change = list(type6 = chg("type6"), type7 = chg("type7")),
      wilcoxon = wilcoxon(earlier, later)
    )
  )
}

estimate_cases <- list()
add_e <- function(x) estimate_cases[[length(estimate_cases) + 1]] <<- x

add_e(estimates_case("e01_ties_zeros_missing", "12 experts; missing answers in both rounds, zero differences and tied |d|",
  c(10, 12, NA, 15, 20, 20, 8, 30, NA, 14, 11, 25),
  c(11, 12, 14, NA, 18, 22, 9, 25, 16, 14, 12, 20)))
add_e(estimates_case("e02_zero_median", "median 0 in both rounds: IQR/median undefined",
  c(-3, -1, 0, 0, 2, 5, NA),
  c(-1, 0, 0, 0, 1, 2, 0)))
add_e(estimates_case("e03_identical", "every estimate identical: IQR 0, all differences zero",
  rep(7.5, 6), rep(7.5, 6)))
add_e(estimates_case("e04_n1_no_pairs", "n = 1 in each round, different experts: no pairs",
  c(NA, 42, NA), c(40, NA, NA)))
add_e(estimates_case("e05_n2", "n = 2: type 6 clamps Q1 and Q3 to min and max; exact Wilcoxon on 2 pairs",
  c(3, 9), c(4, 7)))
add_e(estimates_case("e06_decimal_noise", "decimal estimates whose differences tie or not by floating-point rounding (0.3-0.1 vs 0.4-0.2)",
  c(0.1, 0.2, 0.3, 0.7, 1.1, 2.05, 0.15, 0.35, 0.5),
  c(0.3, 0.4, 0.1, 0.9, 1.3, 2.25, 0.45, 0.6, 0.8)))
add_e(estimates_case("e07_exact_no_ties", "10 pairs, distinct |d|, no zeros: R's exact p",
  c(100, 120, 90, 150, 200, 80, 130, 110, 95, 170),
  c(101, 118, 93, 146, 205, 74, 137, 102, 104, 180)))
add_e(estimates_case("e08_negative_median", "negative estimates: IQR/median is negative",
  c(-5, -3, -2, -8, -1), c(-4, -3, -2.5, -6, -1.5)))
add_e(estimates_case("e09_large_magnitude", "estimates of mixed sign around 1e9 (mean accuracy)",
  c(1e9 + 0.5, -1e9, 3, 1e9, 2.5e9, -7.25e8, 1e9 + 0.25),
  c(1e9 + 0.75, -9e8, 3.5, 1e9, 2e9, -7e8, 1e9 + 0.25)))
add_e(estimates_case("e10_earlier_all_missing", "nobody answered the earlier round: summary undefined, no IQR change, no pairs",
  c(NA, NA, NA, NA), c(5, 6, 8, NA)))

gen_est <- function(m, miss) {
  a <- round(exp(rnorm(m, log(50), 0.6)), 1)
  centre <- median(a)
  b <- round(a + 0.4 * (centre - a) + rnorm(m, 0, 3), 1)
  a[sample(m, round(miss * m))] <- NA
  b[sample(m, round(miss * m))] <- NA
  list(a = a, b = b)
}
g <- gen_est(60, 0.1)
add_e(estimates_case("e11_random_60", "R-generated: 60 experts, log-normal estimates to 1 decimal, 10 % missing per round (seed 20261206)", g$a, g$b))
g <- gen_est(130, 0.05)
add_e(estimates_case("e12_random_130", "R-generated: 130 experts; n' > 100 so the exact conditional p is skipped", g$a, g$b))
g <- gen_est(40, 0)
add_e(estimates_case("e13_random_40_integer", "R-generated: 40 experts, estimates rounded to integers (many ties and zeros)", round(g$a), round(g$b)))

meta <- list(
  generator = "analysis/testdata/ranking_numeric.R",
  command = "Rscript analysis/testdata/ranking_numeric.R > analysis/testdata/ranking_numeric.json",
  r_version = R.version.string,
  coin_version = as.character(packageVersion("coin")),
  seed = 20261206,
  conventions = paste(
    "Rankings: rows are experts, null = unranked; per-item figures over the experts who ranked the item;",
    "kendall_complete uses complete rankings only (friedman.test drops blocks with NA);",
    "kendall_tied_last gives the unranked items of a top-t ranking the bottom midrank.",
    "Estimates: null = missing; quantiles are R quantile(type = 6 / 7); d = later - earlier."
  )
)
# One case per line, so that a regenerated file diffs case by case.
cases <- c(ranking_cases, estimate_cases)
cat("{\"meta\":", json(meta), ",\n\"cases\":[\n",
    paste(vapply(cases, json, ""), collapse = ",\n"), "\n]}\n", sep = "")

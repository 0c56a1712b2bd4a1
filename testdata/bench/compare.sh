#!/bin/sh
# Benchmark `delphi analyze` against the pandas/scipy baseline on the
# synthetic 1,000 experts × 500 statements × 3 rounds study (1.5 million
# ratings), check that both compute the same numbers, and print the ratio.
# Results go to docs/benchmarks.md by hand.
#
#   testdata/bench/compare.sh            # from anywhere in the repository
#
# Needs Go, /usr/bin/python3 with pandas and scipy (Debian: python3-pandas,
# python3-scipy) and, optionally, hyperfine; without it /usr/bin/time is used.
# Environment: WORK (scratch directory, default /tmp/delphi-bench), RUNS
# (timed runs of delphi analyze, default 20), PANDAS_RUNS (default 3).
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
work=${WORK:-/tmp/delphi-bench}
runs=${RUNS:-20}
pandas_runs=${PANDAS_RUNS:-3}
mkdir -p "$work"
bin=$work/delphi-analyze
data=$work/ratings.csv

# The timed program is the real binary, as `make build` makes it; the
# small driver only generates the synthetic study.
CGO_ENABLED=0 go build -trimpath -o "$work/delphi" ./server
go build -o "$bin" ./testdata/bench/analyzecmd
if [ ! -s "$data" ]; then
	"$bin" -gen "$data"
fi

rows=$(($(wc -l <"$data") - 1))
echo "data: $data ($rows ratings, $(du -h "$data" | cut -f1))"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(go version | cut -d' ' -f3), $(/usr/bin/python3 -c 'import pandas, scipy; print("pandas", pandas.__version__, "scipy", scipy.__version__)')"

go_cmd="$work/delphi analyze --scale 1-9 --format csv $data"
py_cmd="/usr/bin/python3 testdata/bench/analyze_pandas.py $data"

# Same numbers first: a fast wrong answer would be no answer.
$go_cmd >"$work/go.csv"
$py_cmd >"$work/pandas.csv"
/usr/bin/python3 - "$work/go.csv" "$work/pandas.csv" <<'EOF'
import sys
import pandas as pd
go = pd.read_csv(sys.argv[1]).set_index(["round", "statement"])
py = pd.read_csv(sys.argv[2]).set_index(["round", "statement"])
pairs = {c: c for c in ["n", "n_unable", "n_missing", "mean", "sd", "min", "max", "median", "q1", "q3",
                        "p30", "p70", "iqr", "pct_agree", "pct_neutral", "pct_disagree",
                        "wilcoxon_z", "wilcoxon_p", "mcnemar_p", "kendall_p"]}
pairs.update({"decision_percent": "decision", "kendall_w_tie_corrected": "kendall_w"})
bad = 0
for g, p in pairs.items():
    a, b = go[g], py.loc[go.index, p]
    if g == "wilcoxon_z":  # scipy's z comes from min(W+, W-); ours is signed (W+ - mu)/sigma
        a, b = a.abs(), b.abs()
    if a.dtype == object or b.dtype == object:
        diff = (a.fillna("") != b.fillna("")).sum()
    else:
        tol = 1e-6 * b.abs() if g.endswith("_p") else 1e-9
        diff = ((a - b).abs() > tol).sum() + (a.isna() != b.isna()).sum()
    if diff:
        print(f"MISMATCH {g} vs {p}: {diff} rows", file=sys.stderr)
        bad += 1
print(f"same numbers: {len(pairs)} columns x {len(go)} rows agree" if not bad else "numbers differ")
sys.exit(1 if bad else 0)
EOF

if command -v hyperfine >/dev/null 2>&1; then
	hyperfine --style basic --warmup 3 --runs "$runs" --export-json "$work/go.json" -n "delphi analyze" "$go_cmd >/dev/null"
	hyperfine --style basic --warmup 1 --runs "$pandas_runs" --export-json "$work/pandas.json" -n "pandas/scipy" "$py_cmd >/dev/null"
	/usr/bin/python3 - "$work/go.json" "$work/pandas.json" <<'EOF'
import json, sys
g = json.load(open(sys.argv[1]))["results"][0]
p = json.load(open(sys.argv[2]))["results"][0]
print(f"delphi analyze: mean {g['mean']:.3f} s ± {g['stddev']:.3f} (min {g['min']:.3f}, max {g['max']:.3f})")
print(f"pandas/scipy:   mean {p['mean']:.3f} s ± {p['stddev']:.3f} (min {p['min']:.3f}, max {p['max']:.3f})")
print(f"ratio: {p['mean'] / g['mean']:.1f}x faster")
EOF
else
	best() { # best wall time of N runs, in seconds
		n=$1
		shift
		b=
		for _ in $(seq "$n"); do
			t=$({ /usr/bin/time -f %e sh -c "$* >/dev/null"; } 2>&1 | tail -1)
			if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" = 1 ]; then b=$t; fi
		done
		echo "$b"
	}
	g=$(best "$runs" "$go_cmd")
	p=$(best "$pandas_runs" "$py_cmd")
	echo "delphi analyze: best $g s; pandas/scipy: best $p s; ratio: $(echo "scale=1; $p / $g" | bc)x"
fi

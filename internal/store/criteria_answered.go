package store

// answeredCondition holds for a ratings row r, with its round ro and
// study s, that is a whole answer: a rating or "unable" on every
// criterion the round asks (issue 17), or a numeric round's estimate.
// A rating round of a study with several criteria asks criteria 2 and 3
// too; studies.criteria holds one JSON object per criterion beyond the
// first, each with one "rule" key (a quote inside a name or label is
// escaped, so the pattern cannot match text), which counts them.
const answeredCondition = `(((r.rating IS NOT NULL OR r.unable)
	AND (ro.kind <> 'rating' OR s.criteria NOT LIKE '%"rule":%' OR r.rating2 IS NOT NULL OR r.unable2)
	AND (ro.kind <> 'rating' OR s.criteria NOT LIKE '%"rule":%"rule":%' OR r.rating3 IS NOT NULL OR r.unable3))
	OR r.estimate IS NOT NULL)`

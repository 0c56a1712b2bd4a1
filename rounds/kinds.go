package rounds

// Kind is what a round asks of each statement (issue 17): a rating on the
// study's criteria, a place in a ranking, or a numeric estimate.
type Kind string

// Round kinds, as stored in rounds.kind and given to the API.
const (
	KindRating  Kind = "rating"
	KindRanking Kind = "ranking"
	KindNumeric Kind = "numeric"
)

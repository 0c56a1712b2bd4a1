package workflow

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/delphi-platform/delphi/internal/results"
)

func TestResultsCache(t *testing.T) {
	ctx := context.Background()
	var c resultsCache
	var computed atomic.Int32
	compute := func(version int64) func(context.Context) (*Dataset, *results.Results, error) {
		return func(context.Context) (*Dataset, *results.Results, error) {
			computed.Add(1)
			return &Dataset{Input: &results.Input{LockedAt: testTime(version)}}, &results.Results{}, nil
		}
	}
	version := func(d *Dataset) int64 { return d.Input.LockedAt.Unix() }

	t.Run("computed once for requests at once", func(t *testing.T) {
		release := make(chan struct{})
		slow := func(ctx context.Context) (*Dataset, *results.Results, error) {
			<-release
			return compute(1)(ctx)
		}
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if d, _, err := c.get(ctx, 1, 1, slow); err != nil || version(d) != 1 {
					t.Errorf("got %v, %v", d, err)
				}
			})
		}
		// The first caller computes while the others wait for it; a
		// ninth request after them all is served from the entry.
		close(release)
		wg.Wait()
		if _, _, err := c.get(ctx, 1, 1, compute(1)); err != nil {
			t.Fatal(err)
		}
		if n := computed.Load(); n != 1 {
			t.Errorf("computed %d times; want 1", n)
		}
	})
	t.Run("a newer version is computed, an older one served the newer", func(t *testing.T) {
		computed.Store(0)
		if d, _, _ := c.get(ctx, 1, 2, compute(2)); version(d) != 2 {
			t.Errorf("version 2: got %d", version(d))
		}
		if d, _, _ := c.get(ctx, 1, 1, compute(1)); version(d) != 2 {
			t.Errorf("a request that read version 1 after 2 was computed: got %d", version(d))
		}
		if n := computed.Load(); n != 1 {
			t.Errorf("computed %d times; want 1", n)
		}
	})
	t.Run("errors are not kept", func(t *testing.T) {
		computed.Store(0)
		boom := errors.New("boom")
		failing := func(context.Context) (*Dataset, *results.Results, error) { computed.Add(1); return nil, nil, boom }
		if _, _, err := c.get(ctx, 2, 1, failing); !errors.Is(err, boom) {
			t.Errorf("got %v", err)
		}
		if _, _, err := c.get(ctx, 2, 1, compute(1)); err != nil {
			t.Errorf("after an error: %v", err)
		}
		if n := computed.Load(); n != 2 {
			t.Errorf("computed %d times; want 2", n)
		}
	})
	t.Run("bounded, least recently used out", func(t *testing.T) {
		var c resultsCache
		for id := int64(1); id <= cachedStudies; id++ {
			c.get(ctx, id, 1, compute(1))
		}
		c.get(ctx, 1, 1, compute(1)) // study 1 read again: study 2 is now the least recently used
		c.get(ctx, cachedStudies+1, 1, compute(1))
		if len(c.entries) != cachedStudies || c.entries[1] == nil || c.entries[2] != nil || c.entries[cachedStudies+1] == nil {
			t.Errorf("kept studies %v; want all but study 2", slices.Sorted(maps.Keys(c.entries)))
		}
	})
}

func testTime(v int64) time.Time { return time.Unix(v, 0) }

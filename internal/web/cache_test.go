package web

import "testing"

func TestBoundedCacheStaysBounded(t *testing.T) {
	c := newBoundedCache[int, string](100)
	for i := range 1000 {
		c.put(i, "x")
		if c.len() > 100 {
			t.Fatalf("%d entries after %d puts", c.len(), i+1)
		}
	}
	if v, ok := c.get(999); !ok || v != "x" {
		t.Error("the newest entry is missing")
	}
	c.put(999, "y") // replacing an entry never clears the cache
	if v, _ := c.get(999); v != "y" || c.len() == 1 {
		t.Errorf("replace: %q, %d entries", v, c.len())
	}
	c.remove(999)
	if _, ok := c.get(999); ok {
		t.Error("removed entry still there")
	}
}

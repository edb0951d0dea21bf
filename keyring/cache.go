package keyring

import (
	"container/list"
	"sync"
)

// lru is a bounded, concurrency-safe cache of unwrapped data keys, keyed by
// their wrapped form.
type lru struct {
	mu    sync.Mutex
	max   int
	order *list.List // front = most recently used; values are *lruEntry
	items map[string]*list.Element
}

type lruEntry struct {
	key string
	dk  *DataKey
}

func newLRU(size int) *lru {
	return &lru{max: size, order: list.New(), items: make(map[string]*list.Element, size)}
}

func (c *lru) get(key string) (*DataKey, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*lruEntry).dk, true
}

func (c *lru) put(key string, dk *DataKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		e.Value.(*lruEntry).dk = dk
		c.order.MoveToFront(e)
		return
	}
	c.items[key] = c.order.PushFront(&lruEntry{key: key, dk: dk})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*lruEntry).key)
	}
}

func (c *lru) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

package sim

import "time"

// Scheduled is a file a Responder sends on its own schedule, for a user.
type Scheduled struct {
	User string
	File OutboundFile
}

// Scheduler is a Responder that also sends files later, not as the
// answer to an upload (the 835s of an adjudicating responder). The server
// asks it for the files due every Config.Tick, delivers them into the
// users' download folders (with the file faults) and then reports them
// Sent. Files not reported Sent (the process stopped in between) are
// expected again from the next Due.
type Scheduler interface {
	Due(now time.Time) []Scheduled
	Sent(files []Scheduled)
}

// startSchedule runs the Scheduler loop when the Responder is one; it is
// called once, by ServeSFTP.
func (s *Server) startSchedule() {
	sch, ok := s.cfg.Responder.(Scheduler)
	if !ok {
		return
	}
	tick := s.cfg.Tick
	if tick <= 0 {
		tick = time.Second
	}
	s.mu.Lock()
	if s.closed || s.stop != nil {
		s.mu.Unlock()
		return
	}
	s.stop = make(chan struct{})
	stop := s.stop
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case now := <-t.C:
				files := sch.Due(now)
				for _, f := range files {
					s.deliver(f.User, f.File)
				}
				if len(files) > 0 {
					sch.Sent(files)
				}
			}
		}
	}()
}
